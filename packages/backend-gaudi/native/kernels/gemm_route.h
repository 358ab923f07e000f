// Which library runs each GEMM. OpenBLAS runs every product by default; when the addon is
// built with oneDNN (libdnnl-dev), the large products of the Medium model go to oneDNN,
// whose AVX-512 kernels measured faster on them (see gemm_route.cc). The rule depends on
// the shape only, so a given GEMM always runs in the same library: results stay bit-identical.
#pragma once

#include <string>

#include "common.h"

namespace dlrm {

enum class GemmLibrary { OpenBlas, OneDnnMatmul, OneDnnBf16Matmul };

/**
 * The library for C (m x n) = alpha * op(A) * op(B) + beta * C, row-major, with oneDNN
 * built in and alpha = 1, beta = 0 (otherwise OpenBLAS):
 * - fp32 A * B^T with m * n * k >= 2^26 (Medium's MLP forward products), and A^T * B and
 *   A * B with 2^26 <= m * n * k < 2^31 (its smaller weight- and input-gradient products)
 *   go to oneDNN's matmul primitive; the 4096-wide A^T * B and A * B stay on OpenBLAS;
 * - bf16, m * n * k >= 2^24, on a CPU with bf16 dot-product instructions (AVX512_BF16 or
 *   AMX, as oneDNN reports): every transpose case goes to a bf16 x bf16 -> f32 matmul
 *   (operands rounded to bf16 exactly as in the OpenBLAS path; products exact in f32);
 * every other GEMM to OpenBLAS.
 */
GemmLibrary gemm_library(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, float beta, bool bf16);

/**
 * C = op(A) * op(B) through oneDNN (`lib` from gemm_library, not OpenBlas); A and B are
 * f32 (OneDnnBf16Matmul rounds them to bf16 itself). Runs on the calling thread's OpenMP
 * team, which the caller sizes to `threads` (size_library_team); primitives are cached per
 * thread count. Throws a KernelError on failure.
 */
void onednn_gemm(GemmLibrary lib, bool transA, bool transB, i64 m, i64 n, i64 k, const float* a, const float* b,
                 float* c, int threads);

/** "oneDNN 2.6.3" when built in, else "". */
std::string onednn_version();

}  // namespace dlrm
