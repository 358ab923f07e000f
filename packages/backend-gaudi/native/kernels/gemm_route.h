// Which library runs each GEMM, and oneDNN's per-tile calls. OpenBLAS runs every product
// by default; when the addon is built with oneDNN (libdnnl-dev), the large products of the
// Medium model go to oneDNN (the README gives the measurements). DLRM_GEMM_LIBRARY
// (cpu_route.h) can force either library for every product. The rule depends on the
// shape and the route only, so a given GEMM always runs in the same library.
#pragma once

#include <cstdint>
#include <string>

#include "common.h"

namespace dlrm {

enum class GemmLibrary { OpenBlas, OneDnnMatmul, OneDnnBf16Matmul };

/**
 * The library for C (m x n) = alpha * op(A) * op(B) + beta * C, row-major.
 * DLRM_GEMM_LIBRARY=openblas: OpenBlas. =onednn: oneDNN for every product (the bf16
 * matmul for bf16 where the CPU route has bf16 dot products, else the f32 matmul on the
 * bf16-rounded operands). Auto, with oneDNN built in and alpha = 1, beta = 0:
 * - fp32 A * B^T with m * n * k >= 2^26, and A^T * B and A * B with 2^26 <= m * n * k < 2^31,
 *   go to oneDNN's matmul; the 4096-wide A^T * B and A * B stay on OpenBLAS;
 * - bf16, m * n * k >= 2^24, where oneDNN runs bf16 matmuls with bf16 dot-product
 *   instructions (AVX512_BF16 or AMX, within the route's ISA): every transpose case goes to
 *   the bf16 x bf16 -> f32 matmul (operands rounded to bf16 exactly as for OpenBLAS);
 * every other GEMM to OpenBLAS. Throws the route's KernelError when its settings are refused.
 */
GemmLibrary gemm_library(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, float beta, bool bf16);

/**
 * One tile, on the calling thread only: C (m x n, row stride ldc) = op(A) op(B) through a
 * cached single-threaded oneDNN matmul primitive (call with the thread's OpenMP team at 1
 * thread, parallel_tiles). A is m x k (or k x m when transA) with row stride lda, B is
 * k x n (or n x k when transB) with row stride ldb; f32, or bf16 bits (uint16) for
 * OneDnnBf16Matmul. Throws a KernelError on failure or in a build without oneDNN.
 */
void onednn_tile(GemmLibrary lib, bool transA, bool transB, i64 m, i64 n, i64 k, const void* a, i64 lda, const void* b,
                 i64 ldb, float* c, i64 ldc);

/** Caps oneDNN's instruction set at the route's ISA level when DLRM_CPU_ISA forces one (over ONEDNN_MAX_CPU_ISA); call
 * once, before any GEMM. */
void onednn_apply_route();

/** "oneDNN 2.6.3" when built in, else "". */
std::string onednn_version();

/** oneDNN's ISA ceiling in force ("avx2", "avx512_core_bf16", ... or "" without oneDNN). */
std::string onednn_isa();

}  // namespace dlrm
