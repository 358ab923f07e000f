// GEMM split so that results never depend on the thread count: the output is cut into a
// grid of tiles that depends on the shape only (gemm_tiles.h), each tile is one
// single-threaded library call (OpenBLAS sgemm or a oneDNN matmul primitive) over the
// whole of k, so every output element is summed by one thread in one fixed order.
#include <cblas.h>

#include <cstring>

#include "bf16.h"
#include "gemm_route.h"
#include "gemm_tiles.h"
#include "kernels.h"
#include "scratch.h"
#include "thread_pool.h"

namespace dlrm {
namespace {

/** src[0..n) rounded to bfloat16 (as f32 values) into the calling thread's scratch slot `which`. */
const float* rounded_bf16(const float* src, i64 n, int which) {
  float* o = thread_scratch<float>(which, n);
  parallel_for(n, 65536, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; i++) o[i] = to_bf16(src[i]);
  });
  return o;
}

/** src[0..n) rounded to bfloat16 (the bits) into the calling thread's scratch slot `which`. */
const std::uint16_t* bf16_bits(const float* src, i64 n, int which) {
  std::uint16_t* out = thread_scratch<std::uint16_t>(which, n);
  parallel_for(n, 65536, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; i++) {
      const float r = to_bf16(src[i]);
      std::uint32_t u;
      std::memcpy(&u, &r, 4);
      out[i] = static_cast<std::uint16_t>(u >> 16);
    }
  });
  return out;
}

/** Operand pointers of one tile: the sub-matrices of A, B and C it reads and writes. */
struct TileView {
  i64 m, n, aOffset, bOffset, cOffset;
};

TileView tile_view(const GemmTiles& t, i64 i, bool transA, bool transB, i64 m, i64 n, i64 k) {
  const i64 lo = tile_begin(t, i), hi = tile_begin(t, i + 1);
  if (t.splitN) return {m, hi - lo, 0, transB ? lo * k : lo, lo};
  return {hi - lo, n, transA ? lo : lo * k, 0, lo * n};
}

/** One tile through oneDNN, with alpha and beta applied afterwards (oneDNN computes op(A) op(B) only). */
void onednn_tile_ab(GemmLibrary lib, bool transA, bool transB, const TileView& v, i64 k, const void* a, i64 lda,
                    const void* b, i64 ldb, float* c, i64 ldc, float alpha, float beta) {
  if (alpha == 1.0f && beta == 0.0f) {
    onednn_tile(lib, transA, transB, v.m, v.n, k, a, lda, b, ldb, c, ldc);
    return;
  }
  float* t = thread_scratch<float>(2, v.m * v.n);
  onednn_tile(lib, transA, transB, v.m, v.n, k, a, lda, b, ldb, t, v.n);
  for (i64 r = 0; r < v.m; r++) {
    float* row = c + r * ldc;
    const float* tr = t + r * v.n;
    if (beta == 0.0f) {
      for (i64 j = 0; j < v.n; j++) row[j] = alpha * tr[j];
    } else {
      for (i64 j = 0; j < v.n; j++) row[j] = alpha * tr[j] + beta * row[j];
    }
  }
}

}  // namespace

void gemm(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, const float* a, const float* b, float beta,
          float* c, bool bf16) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    if (beta == 0.0f) {
      fill(c, m * n, 0.0f);
    } else if (beta != 1.0f) {
      parallel_for(m * n, 65536, [&](i64 lo, i64 hi) {
        for (i64 i = lo; i < hi; i++) c[i] = beta * c[i];
      });
    }
    return;
  }
  const GemmLibrary lib = gemm_library(transA, transB, m, n, k, alpha, beta, bf16);
  const GemmTiles tiles = gemm_tiles(m, n, k);
  const i64 lda = transA ? m : k;
  const i64 ldb = transB ? k : n;
  if (lib == GemmLibrary::OneDnnBf16Matmul) {
    const std::uint16_t* pa = bf16_bits(a, m * k, 0);
    const std::uint16_t* pb = bf16_bits(b, k * n, 1);
    parallel_tiles(tiles.count, [&](i64 i) {
      const TileView v = tile_view(tiles, i, transA, transB, m, n, k);
      onednn_tile_ab(lib, transA, transB, v, k, pa + v.aOffset, lda, pb + v.bOffset, ldb, c + v.cOffset, n, alpha,
                     beta);
    });
    return;
  }
  if (bf16) {
    a = rounded_bf16(a, m * k, 0);
    b = rounded_bf16(b, k * n, 1);
  }
  if (lib == GemmLibrary::OneDnnMatmul) {
    parallel_tiles(tiles.count, [&](i64 i) {
      const TileView v = tile_view(tiles, i, transA, transB, m, n, k);
      onednn_tile_ab(lib, transA, transB, v, k, a + v.aOffset, lda, b + v.bOffset, ldb, c + v.cOffset, n, alpha, beta);
    });
    return;
  }
  parallel_tiles(tiles.count, [&](i64 i) {
    const TileView v = tile_view(tiles, i, transA, transB, m, n, k);
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(v.m), static_cast<blasint>(v.n), static_cast<blasint>(k), alpha, a + v.aOffset,
                static_cast<blasint>(lda), b + v.bOffset, static_cast<blasint>(ldb), beta, c + v.cOffset,
                static_cast<blasint>(n));
  });
}

}  // namespace dlrm
