// Range kernels, written once as plain loops that GCC vectorises, and compiled twice
// (kernels_generic.cc, kernels_avx2.cc with -mavx2 -mfma) into KERNEL_NS::table.
// Reductions run in double in the contract's order: products of two floats are exact
// in double, so FMA or not gives the same bits. No atomics; each range owns its outputs.
#ifndef KERNEL_NS
#error "define KERNEL_NS before including kernels_impl.h"
#endif

#include <cmath>
#include <vector>

#include "bf16.h"
#include "kernel_table.h"

namespace dlrm {
namespace KERNEL_NS {
namespace {

/** sigmoid(v) in double without overflow (exp(v) / (1 + exp(v)) for v < 0), rounded once; NaN stays NaN. */
inline float sigmoidOf(float v) {
  const double z = static_cast<double>(v);
  if (z >= 0) return static_cast<float>(1.0 / (1.0 + std::exp(-z)));
  const double e = std::exp(z);
  return static_cast<float>(e / (1.0 + e));
}

void biasAddForwardRows(float* y, const float* bias, i64 cols, Activation act, i64 r0, i64 r1) {
  for (i64 i = r0; i < r1; i++) {
    float* row = y + i * cols;
    for (i64 j = 0; j < cols; j++) row[j] = row[j] + bias[j];
    if (act == Activation::Relu) {
      for (i64 j = 0; j < cols; j++) {
        const float v = row[j];
        row[j] = (v > 0.0f || v != v) ? v : 0.0f;
      }
    } else if (act == Activation::Sigmoid) {
      for (i64 j = 0; j < cols; j++) row[j] = sigmoidOf(row[j]);
    }
  }
}

void biasAddBackwardCols(const float* dY, float* dBias, i64 rows, i64 cols, i64 c0, i64 c1) {
  const i64 w = c1 - c0;
  std::vector<double> acc(static_cast<size_t>(w), 0.0);
  double* a = acc.data();
  for (i64 i = 0; i < rows; i++) {
    const float* row = dY + i * cols + c0;
    for (i64 j = 0; j < w; j++) a[j] += static_cast<double>(row[j]);
  }
  for (i64 j = 0; j < w; j++) dBias[c0 + j] = static_cast<float>(a[j]);
}

void reluForwardRange(const float* x, float* y, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) {
    const float v = x[i];
    y[i] = (v > 0.0f || v != v) ? v : 0.0f;
  }
}

void reluBackwardRange(const float* y, const float* dY, float* dX, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) dX[i] = y[i] > 0.0f ? dY[i] : 0.0f;
}

void sigmoidForwardRange(const float* x, float* y, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) y[i] = sigmoidOf(x[i]);
}

/** dX = (dY * y) * (1 - y) in double, rounded once. */
void sigmoidBackwardRange(const float* y, const float* dY, float* dX, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) {
    const double v = static_cast<double>(y[i]);
    dX[i] = static_cast<float>(static_cast<double>(dY[i]) * v * (1.0 - v));
  }
}

/** out = x0 * y + xl in double (the product is exact), rounded to f32 once. */
void crossForwardRange(const float* x0, const float* y, const float* xl, float* out, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) {
    out[i] = static_cast<float>(static_cast<double>(x0[i]) * static_cast<double>(y[i]) + static_cast<double>(xl[i]));
  }
}

/**
 * dY = dOut * x0; dX0 = (accumulate ? dX0 : 0) + dOut * y (+ dOut without xl), in double in
 * the contract's order, rounded once; dXl = dOut when withXl (dXl is unused otherwise).
 */
void crossBackwardRange(const float* x0, const float* y, const float* dOut, float* dY, float* dX0, float* dXl,
                        bool withXl, bool accumulate, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) {
    const float g = dOut[i];
    const double gd = static_cast<double>(g);
    double s = (accumulate ? static_cast<double>(dX0[i]) : 0.0) + gd * static_cast<double>(y[i]);
    if (!withXl) s += gd;
    dY[i] = g * x0[i];
    dX0[i] = static_cast<float>(s);
  }
  if (withXl) {
    for (i64 i = i0; i < i1; i++) dXl[i] = dOut[i];
  }
}

/** Prefetches the cache lines of one table row (rows are read at random: latency-bound). */
inline void prefetch_row(const float* row, i64 D, int write) {
  for (i64 j = 0; j < D; j += 16) {
    if (write)
      __builtin_prefetch(row + j, 1, 1);
    else
      __builtin_prefetch(row + j, 0, 1);
  }
}

/** How many bags / unique slots ahead the row prefetches run. */
constexpr i64 kPrefetchAhead = 4;

void embeddingBagsForwardBags(const float* const* tables, const float* const* rowWeights, const i32* indices,
                              const i32* offsets, float* pooled, i64 B, i64 T, i64 D, i64 bag0, i64 bag1) {
  std::vector<double> accv(static_cast<size_t>(D));
  double* acc = accv.data();
  for (i64 bag = bag0; bag < bag0 + kPrefetchAhead && bag < bag1; bag++) {
    for (i64 i = offsets[bag]; i < offsets[bag + 1]; i++)
      prefetch_row(tables[bag / B] + static_cast<i64>(indices[i]) * D, D, 0);
  }
  for (i64 bag = bag0; bag < bag1; bag++) {
    const i64 ahead = bag + kPrefetchAhead;
    if (ahead < bag1) {
      for (i64 i = offsets[ahead]; i < offsets[ahead + 1]; i++)
        prefetch_row(tables[ahead / B] + static_cast<i64>(indices[i]) * D, D, 0);
    }
    const i64 t = bag / B;
    const i64 b = bag % B;
    const float* table = tables[t];
    const float* w = rowWeights == nullptr ? nullptr : rowWeights[t];
    for (i64 j = 0; j < D; j++) acc[j] = 0.0;
    for (i64 i = offsets[bag]; i < offsets[bag + 1]; i++) {
      const float* row = table + static_cast<i64>(indices[i]) * D;
      if (w == nullptr) {
        for (i64 j = 0; j < D; j++) acc[j] += static_cast<double>(row[j]);
      } else {
        const double s = w[indices[i]];
        for (i64 j = 0; j < D; j++) acc[j] += s * static_cast<double>(row[j]);
      }
    }
    float* out = pooled + b * T * D + t * D;
    for (i64 j = 0; j < D; j++) out[j] = static_cast<float>(acc[j]);
  }
}

/** The table owning unique slot u (tuo is non-decreasing, tuo[0] = 0 <= u < tuo[T]). */
i64 table_of(const i32* tuo, i64 T, i64 u) {
  i64 lo = 0;
  i64 hi = T;
  while (hi - lo > 1) {
    const i64 mid = (lo + hi) / 2;
    if (tuo[mid] <= u)
      lo = mid;
    else
      hi = mid;
  }
  while (lo + 1 < T && tuo[lo + 1] <= u) lo++;
  return lo;
}

/** dRows[u] = sum over the bags of slot u (table t) of dPooled[b, t*D ..]. */
inline void slot_grad(const float* dPooled, const i32* csrOffsets, const i32* csrBags, float* g, double* acc, i64 t,
                      i64 u, i64 T, i64 D) {
  for (i64 j = 0; j < D; j++) acc[j] = 0.0;
  for (i64 k = csrOffsets[u]; k < csrOffsets[u + 1]; k++) {
    const float* src = dPooled + static_cast<i64>(csrBags[k]) * T * D + t * D;
    for (i64 j = 0; j < D; j++) acc[j] += static_cast<double>(src[j]);
  }
  for (i64 j = 0; j < D; j++) g[j] = static_cast<float>(acc[j]);
}

/** One row's optimizer update with gradient g (D floats). */
inline void row_update(float* w, float* acc, const float* g, i64 D, double lr, double eps, bool rowWise) {
  if (acc == nullptr) {
    for (i64 j = 0; j < D; j++) w[j] = static_cast<float>(static_cast<double>(w[j]) - lr * static_cast<double>(g[j]));
    return;
  }
  if (!rowWise) {
    for (i64 j = 0; j < D; j++) {
      const double gj = g[j];
      const float a = static_cast<float>(static_cast<double>(acc[j]) + gj * gj);
      acc[j] = a;
      w[j] = static_cast<float>(static_cast<double>(w[j]) - (lr * gj) / (std::sqrt(static_cast<double>(a)) + eps));
    }
    return;
  }
  double sq = 0.0;
  for (i64 j = 0; j < D; j++) sq += static_cast<double>(g[j]) * static_cast<double>(g[j]);
  const float a = static_cast<float>(static_cast<double>(acc[0]) + sq / static_cast<double>(D));
  acc[0] = a;
  const double denom = std::sqrt(static_cast<double>(a)) + eps;
  for (i64 j = 0; j < D; j++) {
    w[j] = static_cast<float>(static_cast<double>(w[j]) - (lr * static_cast<double>(g[j])) / denom);
  }
}

void embeddingBagsBackwardSlots(const float* dPooled, const i32* tuo, const i32* csrOffsets, const i32* csrBags,
                                float* dRows, const RowWeightGrads& weighted, i64, i64 T, i64 D, i64 u0, i64 u1) {
  std::vector<double> accv(static_cast<size_t>(D));
  double* acc = accv.data();
  i64 t = table_of(tuo, T, u0);
  for (i64 u = u0; u < u1; u++) {
    while (tuo[t + 1] <= u) t++;
    float* g = dRows + u * D;
    slot_grad(dPooled, csrOffsets, csrBags, g, acc, t, u, T, D);
    if (weighted.dRowWeights == nullptr) continue;
    const i64 r = weighted.uniqueRows[u];
    const float* row = weighted.tables[t] + r * D;
    double dot = 0.0;
    for (i64 j = 0; j < D; j++) dot += acc[j] * static_cast<double>(row[j]);
    weighted.dRowWeights[u] = static_cast<float>(dot);
    const double s = weighted.rowWeights[t][r];
    for (i64 j = 0; j < D; j++) g[j] = static_cast<float>(s * acc[j]);
  }
}

void sparseStepSlots(float* const* tables, float* const* accs, const i32* uniqueRows, const i32* tuo,
                     const float* dRows, i64 T, i64 D, double lr, double eps, bool rowWise, i64 u0, i64 u1) {
  i64 t = table_of(tuo, T, u0);
  const i64 accWidth = rowWise ? 1 : D;
  for (i64 u = u0; u < u1; u++) {
    while (tuo[t + 1] <= u) t++;
    const i64 r = uniqueRows[u];
    float* acc = accs == nullptr ? nullptr : accs[t] + r * accWidth;
    row_update(tables[t] + r * D, acc, dRows + u * D, D, lr, eps, rowWise);
  }
}

void embeddingBagsBackwardSparseStepSlots(const float* dPooled, float* const* tables, float* const* accs,
                                          const i32* uniqueRows, const i32* tuo, const i32* csrOffsets,
                                          const i32* csrBags, float* dRows, i64, i64 T, i64 D, double lr, double eps,
                                          bool rowWise, i64 u0, i64 u1) {
  std::vector<double> accv(static_cast<size_t>(D));
  i64 t = table_of(tuo, T, u0);
  i64 ta = t;
  const i64 accWidth = rowWise ? 1 : D;
  for (i64 u = u0; u < u1; u++) {
    while (tuo[t + 1] <= u) t++;
    const i64 ua = u + kPrefetchAhead;
    if (ua < u1) {
      while (tuo[ta + 1] <= ua) ta++;
      const i64 ra = uniqueRows[ua];
      prefetch_row(tables[ta] + ra * D, D, 1);
      if (accs != nullptr) prefetch_row(accs[ta] + ra * accWidth, accWidth, 1);
    }
    float* g = dRows + u * D;
    slot_grad(dPooled, csrOffsets, csrBags, g, accv.data(), t, u, T, D);
    const i64 r = uniqueRows[u];
    float* acc = accs == nullptr ? nullptr : accs[t] + r * accWidth;
    row_update(tables[t] + r * D, acc, g, D, lr, eps, rowWise);
  }
}

/** Row f of sample b's feature matrix Z: x for f = 0, else table f-1's pooled vector. */
inline const float* zrow(const float* x, const float* pooled, i64 b, i64 f, i64 D, i64 T) {
  return f == 0 ? x + b * D : pooled + b * T * D + (f - 1) * D;
}

void interactionForwardRows(const float* x, const float* pooled, float* out, i64 D, i64 T, bool dot, bool itself,
                            bool bf16, i64 b0, i64 b1) {
  const i64 F = T + 1;
  const i64 width = dot ? D + (itself ? F * (F + 1) / 2 : F * (F - 1) / 2) : F * D;
  std::vector<double> zt(static_cast<size_t>(D * F));
  std::vector<double> accv(static_cast<size_t>(F));
  double* acc = accv.data();
  for (i64 b = b0; b < b1; b++) {
    float* row = out + b * width;
    if (!dot) {
      for (i64 f = 0; f < F; f++) {
        const float* z = zrow(x, pooled, b, f, D, T);
        for (i64 j = 0; j < D; j++) row[f * D + j] = z[j];
      }
      continue;
    }
    const float* xb = x + b * D;
    for (i64 j = 0; j < D; j++) row[j] = xb[j];
    for (i64 f = 0; f < F; f++) {
      const float* z = zrow(x, pooled, b, f, D, T);
      for (i64 j = 0; j < D; j++) zt[static_cast<size_t>(j * F + f)] = bf16 ? to_bf16(z[j]) : z[j];
    }
    i64 p = D;
    for (i64 i = 0; i < F; i++) {
      const i64 count = itself ? i + 1 : i;
      if (count == 0) continue;
      for (i64 k = 0; k < count; k++) acc[k] = 0.0;
      for (i64 j = 0; j < D; j++) {
        const double zij = zt[static_cast<size_t>(j * F + i)];
        const double* col = zt.data() + j * F;
        for (i64 k = 0; k < count; k++) acc[k] += zij * col[k];
      }
      for (i64 k = 0; k < count; k++) row[p + k] = static_cast<float>(acc[k]);
      p += count;
    }
  }
}

void interactionBackwardRows(const float* x, const float* pooled, const float* dOut, float* dX, float* dPooled, i64 D,
                             i64 T, bool dot, bool itself, bool bf16, i64 b0, i64 b1) {
  const i64 F = T + 1;
  const i64 width = dot ? D + (itself ? F * (F + 1) / 2 : F * (F - 1) / 2) : F * D;
  std::vector<double> dzv(static_cast<size_t>(F * D));
  double* dz = dzv.data();
  // bf16: this sample's Z rows rounded once (F x D), read in place of x and pooled.
  std::vector<float> zr(bf16 ? static_cast<size_t>(F * D) : 0);
  for (i64 b = b0; b < b1; b++) {
    const float* g = dOut + b * width;
    if (bf16 && dot) {
      for (i64 f = 0; f < F; f++) {
        const float* z = zrow(x, pooled, b, f, D, T);
        for (i64 j = 0; j < D; j++) zr[static_cast<size_t>(f * D + j)] = to_bf16(z[j]);
      }
    }
    const auto zrow_b = [&](i64 f) { return bf16 ? zr.data() + f * D : zrow(x, pooled, b, f, D, T); };
    if (!dot) {
      for (i64 i = 0; i < F * D; i++) dz[i] = g[i];
    } else {
      for (i64 i = 0; i < F * D; i++) dz[i] = 0.0;
      for (i64 j = 0; j < D; j++) dz[j] = g[j];
      i64 p = D;
      for (i64 i = 0; i < F; i++) {
        const i64 last = itself ? i : i - 1;
        const float* zi = zrow_b(i);
        for (i64 k = 0; k <= last; k++) {
          const double gik = bf16 ? to_bf16(g[p++]) : g[p++];
          const float* zk = zrow_b(k);
          double* di = dz + i * D;
          double* dk = dz + k * D;
          if (i == k) {
            for (i64 j = 0; j < D; j++) {
              di[j] += gik * static_cast<double>(zk[j]);
              di[j] += gik * static_cast<double>(zi[j]);
            }
          } else {
            for (i64 j = 0; j < D; j++) di[j] += gik * static_cast<double>(zk[j]);
            for (i64 j = 0; j < D; j++) dk[j] += gik * static_cast<double>(zi[j]);
          }
        }
      }
    }
    for (i64 j = 0; j < D; j++) dX[b * D + j] = static_cast<float>(dz[j]);
    float* dp = dPooled + b * T * D;
    for (i64 i = 0; i < T * D; i++) dp[i] = static_cast<float>(dz[D + i]);
  }
}

void sgdStepRange(float* param, const float* grad, double lr, i64 i0, i64 i1) {
  for (i64 i = i0; i < i1; i++) {
    param[i] = static_cast<float>(static_cast<double>(param[i]) - lr * static_cast<double>(grad[i]));
  }
}

/**
 * Dense Adagrad in f32, in torch.optim.Adagrad's order (addcmul_, sqrt().add_(eps),
 * addcdiv_): acc = acc + g*g; param = param - (lr*g) / (sqrt(acc) + eps). Each operation
 * rounds to f32 like PyTorch's, and the loop vectorises in f32 (no f64 sqrt or division).
 */
void adagradStepRange(float* param, const float* grad, float* acc, double lr, double eps, i64 i0, i64 i1) {
  const float lr_f = static_cast<float>(lr);
  const float eps_f = static_cast<float>(eps);
  for (i64 i = i0; i < i1; i++) {
    const float g = grad[i];
    const float a = acc[i] + g * g;
    acc[i] = a;
    param[i] = param[i] - (lr_f * g) / (std::sqrt(a) + eps_f);
  }
}

}  // namespace

const KernelTable table = {
    biasAddForwardRows,       biasAddBackwardCols,        reluForwardRange,  reluBackwardRange,
    sigmoidForwardRange,      sigmoidBackwardRange,       crossForwardRange, crossBackwardRange,
    embeddingBagsForwardBags, embeddingBagsBackwardSlots, sparseStepSlots,   embeddingBagsBackwardSparseStepSlots,
    interactionForwardRows,   interactionBackwardRows,    sgdStepRange,      adagradStepRange,
};

}  // namespace KERNEL_NS
}  // namespace dlrm
