// Which library runs each GEMM. OpenBLAS runs every product by default; when the addon is
// built with oneDNN (libdnnl-dev), the large products of the Medium model go to oneDNN,
// whose AVX-512 kernels measured faster on them (see gemm_route.cc). The rule depends on
// the shape only, so a given GEMM always runs in the same library: results stay bit-identical.
#pragma once

#include <string>

#include "common.h"

namespace dlrm {

enum class GemmLibrary { OpenBlas, OneDnnMatmul, OneDnnSgemm };

/**
 * The library for C (m x n) = alpha * op(A) * op(B) + beta * C, row-major:
 * with oneDNN built in, alpha = 1, beta = 0 and m * n * k >= 2^31, A * B^T (forward,
 * 512x4096x4096 in Medium) goes to oneDNN's matmul primitive and A^T * B (weight
 * gradient, 4096x4096x512) to dnnl_sgemm; every other GEMM to OpenBLAS.
 */
GemmLibrary gemm_library(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, float beta);

/** C = op(A) * op(B) through oneDNN (`lib` from gemm_library, not OpenBlas); throws a KernelError on failure. */
void onednn_gemm(GemmLibrary lib, bool transA, bool transB, i64 m, i64 n, i64 k, const float* a, const float* b,
                 float* c, int threads);

/** "oneDNN 2.6.3" when built in, else "". */
std::string onednn_version();

}  // namespace dlrm
