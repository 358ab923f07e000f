// The one table of the engine's ops: DLRM_OPS(X) calls X(name) once per op, with the
// contract's name (packages/dlrm-core/src/backend.ts). From it come Engine's method
// declarations and definitions and their JavaScript registration (engine.h, engine.cc);
// each op's binding body, dlrm::ops::<name> (engine_ops.cc), reads and checks its
// arguments and submits the kernel of the same name (kernels.h).
#pragma once

namespace dlrm {

class Args;
class Engine;

#define DLRM_OPS(X)                  \
  X(gemm)                            \
  X(linearForward)                   \
  X(biasAddForward)                  \
  X(biasAddBackward)                 \
  X(reluForward)                     \
  X(reluBackward)                    \
  X(sigmoidForward)                  \
  X(sigmoidBackward)                 \
  X(crossForward)                    \
  X(crossBackward)                   \
  X(embeddingBagsForward)            \
  X(embeddingBagsBackward)           \
  X(embeddingBagsBackwardSparseStep) \
  X(sparseSgdStep)                   \
  X(sparseAdagradStep)               \
  X(interactionForward)              \
  X(interactionBackward)             \
  X(lossForward)                     \
  X(lossBackward)                    \
  X(sgdStep)                         \
  X(adagradStep)                     \
  X(fusedAdagradStep)                \
  X(fill)

/** An op's binding body: reads its named arguments from `a` and submits its kernel to `e`. */
using OpBody = void (*)(Engine& e, Args& a);

namespace ops {
#define DLRM_DECLARE_OP_BODY(name) void name(Engine& e, Args& a);
DLRM_OPS(DLRM_DECLARE_OP_BODY)
#undef DLRM_DECLARE_OP_BODY
}  // namespace ops

}  // namespace dlrm
