/**
 * Argument rules of the dense ops (contract in backend.ts): gemm, the fused linearForward,
 * bias add and its gradient, ReLU and its gradient, and the bf16 rounding test hook.
 * Dims are integers in [0, 2^31); every tensor is f32 and holds at least the product of the
 * dims the op touches; flags are booleans; `precision` is "fp32" (default) or "bf16".
 */
import type { ArgCheck } from "./check.js";

export const denseSpecs = {
  /** m, n, k; transA, transB; alpha, beta finite; a >= m*k, b >= k*n, c >= m*n. */
  gemm(c: ArgCheck): void {
    const m = c.dim("m"), n = c.dim("n"), k = c.dim("k");
    c.flag("transA");
    c.flag("transB");
    c.finite("alpha");
    c.finite("beta");
    c.precision();
    c.tensor("a", "f32", m * k);
    c.tensor("b", "f32", k * n);
    c.tensor("c", "f32", m * n);
  },

  /** batchSize B, inFeatures K, outFeatures N; activation "none" | "relu"; x >= B*K, weight >= N*K, bias >= N, y >= B*N. */
  linearForward(c: ArgCheck): void {
    const b = c.dim("batchSize"), k = c.dim("inFeatures"), n = c.dim("outFeatures");
    c.choice("activation", ["none", "relu"]);
    c.precision();
    c.tensor("x", "f32", b * k);
    c.tensor("weight", "f32", n * k);
    c.tensor("bias", "f32", n);
    c.tensor("y", "f32", b * n);
  },

  /** rows, cols; y >= rows*cols, bias >= cols. */
  biasAddForward(c: ArgCheck): void {
    const rows = c.dim("rows"), cols = c.dim("cols");
    c.tensor("y", "f32", rows * cols);
    c.tensor("bias", "f32", cols);
  },

  /** rows, cols; dY >= rows*cols, dBias >= cols. */
  biasAddBackward(c: ArgCheck): void {
    const rows = c.dim("rows"), cols = c.dim("cols");
    c.tensor("dY", "f32", rows * cols);
    c.tensor("dBias", "f32", cols);
  },

  /** size; x, y >= size (y may be x). */
  reluForward(c: ArgCheck): void {
    const size = c.dim("size");
    c.tensor("x", "f32", size);
    c.tensor("y", "f32", size);
  },

  /** size; y, dY, dX >= size. */
  reluBackward(c: ArgCheck): void {
    const size = c.dim("size");
    c.tensor("y", "f32", size);
    c.tensor("dY", "f32", size);
    c.tensor("dX", "f32", size);
  },

  /** Test hook of the wasm and webgpu backends: size; src, dst >= size. */
  roundToBf16(c: ArgCheck): void {
    const size = c.dim("size");
    c.tensor("src", "f32", size);
    c.tensor("dst", "f32", size);
  },
};
