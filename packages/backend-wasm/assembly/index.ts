/**
 * Entry point of the AssemblyScript module: re-exports every kernel under its contract
 * name (one name per op), plus the GEMM scratch size, the benchmark baseline and the heap
 * base. Built with --runtime stub, SIMD, imported shared memory; no managed objects cross.
 */
export { gemm, linearForward, gemmScratchBytes } from "./gemm";
export { gemmNaive } from "./gemm-naive";
export { roundToBf16 } from "./bf16";
export {
  biasAddForward, biasAddBackward, reluForward, reluBackward, crossForward, crossBackward, fill,
} from "./elementwise";
export { sigmoidForward, sigmoidBackward } from "./sigmoid";
export { embeddingBagsForward, embeddingBagsBackward } from "./embedding-bags";
export { interactionForward, interactionBackward } from "./interaction";
export { lossForward, lossBackward } from "./loss";
export {
  sgdStep, adagradStep, fusedAdagradStep, sparseSgdStep, sparseAdagradStep, embeddingBagsBackwardSparseStep,
} from "./optimizers";

/** First byte of linear memory past the module's static data: where the TS arena begins. */
export function heapBase(): usize {
  return __heap_base;
}
