// The public kernel entry points but GEMM (gemm.cc): pick the AVX2 or portable kernel
// table once (by the route, cpu_route.h), split the work over the thread pool by output
// ranges. Grain sizes keep small ops on one thread, where waking the pool would cost more than it saves.
#include "kernels.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu_route.h"
#include "kernel_table.h"
#include "thread_pool.h"

namespace dlrm {
namespace {

const KernelTable& K() {
  static const KernelTable* t = use_avx2() ? &avx2::table : &generic::table;
  return *t;
}

/** Items per chunk so that a chunk does at least ~32k float operations. */
i64 grain_for(i64 work_per_item) { return std::max<i64>(1, 32768 / std::max<i64>(work_per_item, 1)); }

/** Numerically stable log(1 + exp(x)). */
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

struct SampleLoss {
  double p;
  double loss;
  bool clamped;
};

constexpr double kLogClamp = -100.0;

/** Per-sample probability and loss, as the reference backend computes them. */
SampleLoss sample_loss(double z, double y, bool mse, double threshold) {
  const double s = sigmoid(z);
  if (threshold > 0) {
    const double p = std::min(std::max(s, threshold), 1.0 - threshold);
    const bool clamped = s < threshold || s > 1.0 - threshold;
    const double l = mse ? (p - y) * (p - y)
                         : -(y * std::max(std::log(p), kLogClamp) + (1.0 - y) * std::max(std::log(1.0 - p), kLogClamp));
    return {p, l, clamped};
  }
  if (mse) return {s, (s - y) * (s - y), false};
  const double logP = std::max(-softplus(-z), kLogClamp);
  const double log1mP = std::max(-softplus(z), kLogClamp);
  return {s, -(y * logP + (1.0 - y) * log1mP), false};
}

}  // namespace

bool use_avx2() { return cpu_route().isa != IsaLevel::Portable; }

void biasAddForward(float* y, const float* bias, i64 rows, i64 cols, Activation act) {
  parallel_for(rows, grain_for(cols), [&](i64 lo, i64 hi) { K().biasAddForwardRows(y, bias, cols, act, lo, hi); });
}

void linearForward(const float* x, const float* w, const float* bias, float* y, i64 batch, i64 in, i64 out,
                   Activation act, bool bf16) {
  gemm(false, true, batch, out, in, 1.0f, x, w, 0.0f, y, bf16);
  biasAddForward(y, bias, batch, out, act);
}

void biasAddBackward(const float* dY, float* dBias, i64 rows, i64 cols) {
  const i64 g = std::max<i64>(16, grain_for(rows));
  parallel_for(cols, g, [&](i64 lo, i64 hi) { K().biasAddBackwardCols(dY, dBias, rows, cols, lo, hi); });
}

void reluForward(const float* x, float* y, i64 size) {
  parallel_for(size, 65536, [&](i64 lo, i64 hi) { K().reluForwardRange(x, y, lo, hi); });
}

void reluBackward(const float* y, const float* dY, float* dX, i64 size) {
  parallel_for(size, 65536, [&](i64 lo, i64 hi) { K().reluBackwardRange(y, dY, dX, lo, hi); });
}

void sigmoidForward(const float* x, float* y, i64 size) {
  parallel_for(size, 8192, [&](i64 lo, i64 hi) { K().sigmoidForwardRange(x, y, lo, hi); });
}

void sigmoidBackward(const float* y, const float* dY, float* dX, i64 size) {
  parallel_for(size, 65536, [&](i64 lo, i64 hi) { K().sigmoidBackwardRange(y, dY, dX, lo, hi); });
}

void crossForward(const float* x0, const float* y, const float* xl, float* out, i64 size) {
  parallel_for(size, 65536, [&](i64 lo, i64 hi) { K().crossForwardRange(x0, y, xl, out, lo, hi); });
}

void crossBackward(const float* x0, const float* y, const float* dOut, float* dY, float* dX0, float* dXl, bool withXl,
                   bool accumulate, i64 size) {
  parallel_for(size, 65536,
               [&](i64 lo, i64 hi) { K().crossBackwardRange(x0, y, dOut, dY, dX0, dXl, withXl, accumulate, lo, hi); });
}

void embeddingBagsForward(const float* const* tables, const float* const* rowWeights, const i32* indices,
                          const i32* offsets, float* pooled, i64 B, i64 T, i64 D) {
  const i64 nnz = offsets[T * B];
  const i64 perBag = D * (1 + (T * B > 0 ? nnz / (T * B) : 0));
  parallel_for(T * B, grain_for(perBag), [&](i64 lo, i64 hi) {
    K().embeddingBagsForwardBags(tables, rowWeights, indices, offsets, pooled, B, T, D, lo, hi);
  });
}

void embeddingBagsBackward(const float* dPooled, const i32* tuo, const i32* csrOffsets, const i32* csrBags,
                           float* dRows, const RowWeightGrads& weighted, i64 B, i64 T, i64 D) {
  const i64 U = tuo[T];
  parallel_for(U, grain_for(2 * D), [&](i64 lo, i64 hi) {
    K().embeddingBagsBackwardSlots(dPooled, tuo, csrOffsets, csrBags, dRows, weighted, B, T, D, lo, hi);
  });
}

void sparseAdagradStep(float* const* tables, float* const* accs, const i32* uniqueRows, const i32* tuo,
                       const float* dRows, i64 T, i64 D, double lr, double eps, bool rowWise, bool distinctRows) {
  const i64 U = tuo[T];
  parallel_for(U, distinctRows ? grain_for(4 * D) : U, [&](i64 lo, i64 hi) {
    K().sparseStepSlots(tables, accs, uniqueRows, tuo, dRows, T, D, lr, eps, rowWise, lo, hi);
  });
}

void sparseSgdStep(float* const* tables, const i32* uniqueRows, const i32* tuo, const float* dRows, i64 T, i64 D,
                   double lr, bool distinctRows) {
  sparseAdagradStep(tables, nullptr, uniqueRows, tuo, dRows, T, D, lr, 0.0, false, distinctRows);
}

void embeddingBagsBackwardSparseStep(const float* dPooled, float* const* tables, float* const* accs,
                                     const i32* uniqueRows, const i32* tuo, const i32* csrOffsets, const i32* csrBags,
                                     float* dRows, i64 B, i64 T, i64 D, double lr, double eps, bool rowWise,
                                     bool distinctRows) {
  const i64 U = tuo[T];
  parallel_for(U, distinctRows ? grain_for(6 * D) : U, [&](i64 lo, i64 hi) {
    K().embeddingBagsBackwardSparseStepSlots(dPooled, tables, accs, uniqueRows, tuo, csrOffsets, csrBags, dRows, B, T,
                                             D, lr, eps, rowWise, lo, hi);
  });
}

i64 interaction_width(i64 D, i64 T, bool dot, bool itself) {
  const i64 F = T + 1;
  if (!dot) return F * D;
  return D + (itself ? F * (F + 1) / 2 : F * (F - 1) / 2);
}

void interactionForward(const float* x, const float* pooled, float* out, i64 B, i64 D, i64 T, bool dot, bool itself,
                        bool bf16) {
  const i64 F = T + 1;
  parallel_for(B, grain_for(F * F * D / 2 + F * D),
               [&](i64 lo, i64 hi) { K().interactionForwardRows(x, pooled, out, D, T, dot, itself, bf16, lo, hi); });
}

void interactionBackward(const float* x, const float* pooled, const float* dOut, float* dX, float* dPooled, i64 B,
                         i64 D, i64 T, bool dot, bool itself, bool bf16) {
  const i64 F = T + 1;
  parallel_for(B, grain_for(F * F * D + F * D), [&](i64 lo, i64 hi) {
    K().interactionBackwardRows(x, pooled, dOut, dX, dPooled, D, T, dot, itself, bf16, lo, hi);
  });
}

void lossForward(const float* logits, const float* targets, float* probs, float* stats, i64 B, bool mse,
                 double threshold) {
  double lossSum = 0.0;
  double correct = 0.0;
  for (i64 b = 0; b < B; b++) {
    const double y = targets[b];
    const SampleLoss r = sample_loss(logits[b], y, mse, threshold);
    probs[b] = static_cast<float>(r.p);
    lossSum += r.loss;
    if ((probs[b] > 0.5f ? 1.0 : 0.0) == y) correct += 1.0;
  }
  stats[0] = static_cast<float>(static_cast<double>(stats[0]) + lossSum);
  stats[1] = static_cast<float>(static_cast<double>(stats[1]) + correct);
  stats[2] = static_cast<float>(static_cast<double>(stats[2]) + static_cast<double>(B));
}

void lossBackward(const float* logits, const float* targets, float* dLogits, i64 B, i64 meanOver, bool mse,
                  double threshold) {
  const double n = static_cast<double>(meanOver);
  for (i64 b = 0; b < B; b++) {
    const double y = targets[b];
    const SampleLoss r = sample_loss(logits[b], y, mse, threshold);
    double d;
    if (r.clamped)
      d = 0.0;
    else if (!mse)
      d = (r.p - y) / n;
    else
      d = (2.0 * (r.p - y) * r.p * (1.0 - r.p)) / n;
    dLogits[b] = static_cast<float>(d);
  }
}

void sgdStep(float* param, const float* grad, i64 size, double lr) {
  parallel_for(size, 65536, [&](i64 lo, i64 hi) { K().sgdStepRange(param, grad, lr, lo, hi); });
}

void adagradStep(float* param, const float* grad, float* acc, i64 size, double lr, double eps) {
  parallel_for(size, 16384, [&](i64 lo, i64 hi) { K().adagradStepRange(param, grad, acc, lr, eps, lo, hi); });
}

void fusedAdagradStep(float* const* params, const float* const* grads, float* const* accs, const i64* sizes, i64 n,
                      double lr, double eps) {
  std::vector<i64> start(static_cast<size_t>(n + 1), 0);
  for (i64 i = 0; i < n; i++) start[static_cast<size_t>(i + 1)] = start[static_cast<size_t>(i)] + sizes[i];
  const i64 total = start[static_cast<size_t>(n)];
  parallel_for(total, 16384, [&](i64 lo, i64 hi) {
    for (i64 i = 0; i < n; i++) {
      const i64 s = start[static_cast<size_t>(i)];
      const i64 e = start[static_cast<size_t>(i + 1)];
      const i64 a = std::max(lo, s);
      const i64 z = std::min(hi, e);
      if (a < z) K().adagradStepRange(params[i], grads[i], accs[i], lr, eps, a - s, z - s);
    }
  });
}

void fill(float* t, i64 size, float value) {
  parallel_for(size, 1 << 18, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; i++) t[i] = value;
  });
}

void fill(i32* t, i64 size, i32 value) {
  parallel_for(size, 1 << 18, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; i++) t[i] = value;
  });
}

}  // namespace dlrm
