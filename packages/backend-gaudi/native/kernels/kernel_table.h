// The per-ISA kernel table: range kernels (each computes the outputs of one contiguous
// slice of rows, bags, slots or samples) compiled twice from kernels_impl.h, once
// portable and once with AVX2, and chosen at run time by kernels.cc.
#pragma once

#include "common.h"

namespace dlrm {

struct KernelTable {
  void (*biasAddForwardRows)(float* y, const float* bias, i64 cols, Activation act, i64 r0, i64 r1);
  void (*biasAddBackwardCols)(const float* dY, float* dBias, i64 rows, i64 cols, i64 c0, i64 c1);
  void (*reluForwardRange)(const float* x, float* y, i64 i0, i64 i1);
  void (*reluBackwardRange)(const float* y, const float* dY, float* dX, i64 i0, i64 i1);
  void (*sigmoidForwardRange)(const float* x, float* y, i64 i0, i64 i1);
  void (*sigmoidBackwardRange)(const float* y, const float* dY, float* dX, i64 i0, i64 i1);
  void (*crossForwardRange)(const float* x0, const float* y, const float* xl, float* out, i64 i0, i64 i1);
  void (*crossBackwardRange)(const float* x0, const float* y, const float* dOut, float* dY, float* dX0, float* dXl,
                             bool withXl, bool accumulate, i64 i0, i64 i1);
  void (*embeddingBagsForwardBags)(const float* const* tables, const float* const* rowWeights, const i32* indices,
                                   const i32* offsets, float* pooled, i64 B, i64 T, i64 D, i64 bag0, i64 bag1);
  void (*embeddingBagsBackwardSlots)(const float* dPooled, const i32* tuo, const i32* csrOffsets, const i32* csrBags,
                                     float* dRows, const RowWeightGrads& weighted, i64 B, i64 T, i64 D, i64 u0, i64 u1);
  void (*sparseStepSlots)(float* const* tables, float* const* accs, const i32* uniqueRows, const i32* tuo,
                          const float* dRows, i64 T, i64 D, double lr, double eps, bool rowWise, i64 u0, i64 u1);
  void (*embeddingBagsBackwardSparseStepSlots)(const float* dPooled, float* const* tables, float* const* accs,
                                               const i32* uniqueRows, const i32* tuo, const i32* csrOffsets,
                                               const i32* csrBags, float* dRows, i64 B, i64 T, i64 D, double lr,
                                               double eps, bool rowWise, i64 u0, i64 u1);
  void (*interactionForwardRows)(const float* x, const float* pooled, float* out, i64 D, i64 T, bool dot, bool itself,
                                 bool bf16, i64 b0, i64 b1);
  void (*interactionBackwardRows)(const float* x, const float* pooled, const float* dOut, float* dX, float* dPooled,
                                  i64 D, i64 T, bool dot, bool itself, bool bf16, i64 b0, i64 b1);
  void (*sgdStepRange)(float* param, const float* grad, double lr, i64 i0, i64 i1);
  void (*adagradStepRange)(float* param, const float* grad, float* acc, double lr, double eps, i64 i0, i64 i1);
};

namespace generic {
extern const KernelTable table;
}
namespace avx2 {
extern const KernelTable table;
}

}  // namespace dlrm
