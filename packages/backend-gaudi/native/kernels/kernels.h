// The native DLRM kernels: plain-pointer C++ entry points for every op of the contract
// (packages/dlrm-core/src/backend.ts) and the fused ops, each named as the contract names
// the op (helpers that are not ops keep snake_case names). Inputs are assumed valid here
// (sizes checked by the caller; sparse structure by sparse_check.h). Every reduction
// accumulates in double in a fixed order and is rounded to float once, when stored;
// work is split between threads by output, so results never depend on the thread count.
#pragma once

#include "common.h"

namespace dlrm {

/** True when the route's ISA level (cpu_route.h) is AVX2 or above: the AVX2 kernels are then used. */
bool use_avx2();

/**
 * C (m x n) = alpha * op(A) * op(B) + beta * C through OpenBLAS sgemm, or oneDNN for
 * the large products (gemm_route.h), row-major, split into tiles by shape only (gemm_tiles.h):
 * bit-identical for any thread count;
 * op(A) is A (m x k) or A stored (k x m) transposed; op(B) is B (k x n) or B stored
 * (n x k) transposed. beta = 0 overwrites C (NaNs in C ignored). bf16 rounds A and B
 * to bfloat16 (nearest even) before the product, accumulating in fp32.
 */
void gemm(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, const float* a, const float* b, float beta,
          float* c, bool bf16);

/**
 * y[i, j] += bias[j] over rows x cols, then y = act(y): relu (NaN propagates) or sigmoid (as
 * sigmoidForward); the contract's biasAddForward has no activation, linearForward's fused
 * activation sets it.
 */
void biasAddForward(float* y, const float* bias, i64 rows, i64 cols, Activation act = Activation::None);

/** y (B x N) = act(x (B x K) * W^T + bias), W (N x K): gemm then biasAddForward, bit for bit. */
void linearForward(const float* x, const float* w, const float* bias, float* y, i64 batch, i64 in, i64 out,
                   Activation act, bool bf16);

/** dBias[j] = sum_i dY[i, j] (double, ascending i), overwrite. */
void biasAddBackward(const float* dY, float* dBias, i64 rows, i64 cols);

/** y[i] = x[i] > 0 or NaN ? x[i] : 0 (in place allowed). */
void reluForward(const float* x, float* y, i64 size);

/** dX[i] = y[i] > 0 ? dY[i] : 0 (in place allowed). */
void reluBackward(const float* y, const float* dY, float* dX, i64 size);

/** y[i] = sigmoid(x[i]) in double, rounded once (exp(x) / (1 + exp(x)) for x < 0; in place allowed). */
void sigmoidForward(const float* x, float* y, i64 size);

/** dX[i] = (dY[i] * y[i]) * (1 - y[i]) in double, rounded once (in place allowed). */
void sigmoidBackward(const float* y, const float* dY, float* dX, i64 size);

/** out[i] = x0[i] * y[i] + xl[i] (the element-wise part of a DCNv2 cross layer). */
void crossForward(const float* x0, const float* y, const float* xl, float* out, i64 size);

/**
 * dY[i] = dOut[i] * x0[i]; dX0[i] = (accumulate ? dX0[i] : 0) + dOut[i] * y[i] + (withXl ? 0 : dOut[i]);
 * dXl[i] = dOut[i] when withXl (dXl may be null otherwise). No output aliases an input.
 */
void crossBackward(const float* x0, const float* y, const float* dOut, float* dY, float* dX0, float* dXl, bool withXl,
                   bool accumulate, i64 size);

/**
 * pooled[b, t*D + j] = sum_{i in bag (t, b)} w_t[indices[i]] tables[t][indices[i], j], overwrite;
 * bag (t, b) is indices[offsets[t*B+b] .. offsets[t*B+b+1]), w_t = rowWeights[t] (1 when
 * rowWeights is null). pooled is B x T*D.
 */
void embeddingBagsForward(const float* const* tables, const float* const* rowWeights, const i32* indices,
                          const i32* offsets, float* pooled, i64 B, i64 T, i64 D);

/**
 * G[u, j] = sum_{b in csr(u)} dPooled[b, t(u)*D + j] for u < U; dRows[u] = G[u], overwrite, or
 * with `weighted` (r = uniqueRows[u]) dRows[u] = w_t[r] G[u] and dRowWeights[u] = G[u] . tables[t][r].
 */
void embeddingBagsBackward(const float* dPooled, const i32* tableUniqueOffsets, const i32* csrOffsets,
                           const i32* csrBags, float* dRows, const RowWeightGrads& weighted, i64 B, i64 T, i64 D);

/**
 * SGD on the unique rows r = uniqueRows[u] with g = dRows[u]: w -= lr g. Slots are split
 * between threads only when distinctRows (no row is written twice).
 */
void sparseSgdStep(float* const* tables, const i32* uniqueRows, const i32* tableUniqueOffsets, const float* dRows,
                   i64 T, i64 D, double lr, bool distinctRows);

/**
 * Adagrad on the unique rows, element-wise (accs[t] rows x D) or row-wise (rows x 1);
 * threads as sparseSgdStep.
 */
void sparseAdagradStep(float* const* tables, float* const* accs, const i32* uniqueRows, const i32* tableUniqueOffsets,
                       const float* dRows, i64 T, i64 D, double lr, double eps, bool rowWise, bool distinctRows);

/**
 * embeddingBagsBackward then the sparse update (SGD when accs is null, else Adagrad) in
 * one pass per unique row (dRows is scratch). With distinctRows false (a row repeated
 * within a table) both run on one thread, in slot order.
 */
void embeddingBagsBackwardSparseStep(const float* dPooled, float* const* tables, float* const* accs,
                                     const i32* uniqueRows, const i32* tableUniqueOffsets, const i32* csrOffsets,
                                     const i32* csrBags, float* dRows, i64 B, i64 T, i64 D, double lr, double eps,
                                     bool rowWise, bool distinctRows);

/**
 * Feature interaction forward (contract: interactionForward); `cat` when !dot. bf16 (dot):
 * Z elements are rounded to bfloat16 (to_bf16) before the products, summed in double.
 */
void interactionForward(const float* x, const float* pooled, float* out, i64 B, i64 D, i64 T, bool dot, bool itself,
                        bool bf16);

/**
 * Feature interaction backward, overwrite dX (B x D) and dPooled (B x T*D). bf16 (dot): the
 * pair gradients and Z elements are rounded to bfloat16 in the products; dOut's x part is not.
 */
void interactionBackward(const float* x, const float* pooled, const float* dOut, float* dX, float* dPooled, i64 B,
                         i64 D, i64 T, bool dot, bool itself, bool bf16);

/** Width of the interaction output: F*D (cat) or D + pairs (dot). */
i64 interaction_width(i64 D, i64 T, bool dot, bool itself);

/** Loss forward: probs = sigmoid(z) (clamped when threshold > 0); stats += [loss sum, correct, B]. */
void lossForward(const float* logits, const float* targets, float* probs, float* stats, i64 B, bool mse,
                 double threshold);

/** Loss gradient of the batch mean w.r.t. the logits, overwrite dLogits. */
void lossBackward(const float* logits, const float* targets, float* dLogits, i64 B, i64 meanOver, bool mse,
                  double threshold);

/** param[i] -= lr * grad[i]. */
void sgdStep(float* param, const float* grad, i64 size, double lr);

/** acc[i] += grad[i]^2; param[i] -= lr * grad[i] / (sqrt(acc[i]) + eps). */
void adagradStep(float* param, const float* grad, float* acc, i64 size, double lr, double eps);

/** Adagrad over n tensors in one parallel pass (same arithmetic as adagradStep on each). */
void fusedAdagradStep(float* const* params, const float* const* grads, float* const* accs, const i64* sizes, i64 n,
                      double lr, double eps);

/** t[i] = value. */
void fill(float* t, i64 size, float value);
void fill(i32* t, i64 size, i32 value);

}  // namespace dlrm
