/**
 * Argument rules of the dense ops (contract in backend.ts): gemm, the fused linearForward,
 * bias add and its gradient, ReLU and sigmoid and their gradients, and the bf16 rounding test hook.
 * Dims are integers in [0, 2^31); every tensor is f32 and holds at least the product of the
 * dims the op touches; flags are booleans; `precision` is "fp32" (default) or "bf16".
 */
import type { ArgCheck } from "./check.js";

export const denseSpecs = {
  /** m, n, k; transA, transB; alpha, beta finite; a >= m*k, b >= k*n, c >= m*n. */
  gemm(c: ArgCheck): void {
    const [m, n, k] = c.dims("m", "n", "k");
    c.flags("transA", "transB");
    c.finites("alpha", "beta");
    c.precision();
    c.f32({ a: m! * k!, b: k! * n!, c: m! * n! });
  },

  /** batchSize B, inFeatures K, outFeatures N; activation "none" | "relu" | "sigmoid"; x >= B*K, weight >= N*K, bias >= N, y >= B*N. */
  linearForward(c: ArgCheck): void {
    const [b, k, n] = c.dims("batchSize", "inFeatures", "outFeatures");
    c.choice("activation", ["none", "relu", "sigmoid"]);
    c.precision();
    c.f32({ x: b! * k!, weight: n! * k!, bias: n!, y: b! * n! });
  },

  /** rows, cols; y >= rows*cols, bias >= cols. */
  biasAddForward(c: ArgCheck): void {
    const [rows, cols] = c.dims("rows", "cols");
    c.f32({ y: rows! * cols!, bias: cols! });
  },

  /** rows, cols; dY >= rows*cols, dBias >= cols. */
  biasAddBackward(c: ArgCheck): void {
    const [rows, cols] = c.dims("rows", "cols");
    c.f32({ dY: rows! * cols!, dBias: cols! });
  },

  /** size; x, y >= size (y may be x). */
  reluForward(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ x: size, y: size });
  },

  /** size; y, dY, dX >= size. */
  reluBackward(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ y: size, dY: size, dX: size });
  },

  /** size; x, y >= size (y may be x). */
  sigmoidForward(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ x: size, y: size });
  },

  /** size; y, dY, dX >= size (dX may be dY). */
  sigmoidBackward(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ y: size, dY: size, dX: size });
  },

  /** size; x0, y, xl, out >= size. */
  crossForward(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ x0: size, y: size, xl: size, out: size });
  },

  /** size, accumulate; x0, y, dOut, dY, dX0 (and dXl when given) >= size. */
  crossBackward(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ x0: size, y: size, dOut: size, dY: size, dX0: size });
    if (c.get("dXl") !== undefined) c.f32({ dXl: size });
    c.flag("accumulate");
  },

  /** Test hook of the wasm and webgpu backends: size; src, dst >= size. */
  roundToBf16(c: ArgCheck): void {
    const size = c.dim("size");
    c.f32({ src: size, dst: size });
  },
};
