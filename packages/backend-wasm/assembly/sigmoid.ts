/**
 * The logistic sigmoid (dlrm's `--activation-function sigmoid`): the element-wise forward and
 * backward kernels, and `sigmoidOf`, the one scalar formula the GEMM epilogue also applies.
 * Computed in f64 and rounded to f32 once; pointers are byte offsets, counts are elements.
 */

/** sigmoid(v) in f64 without overflow (exp(v) / (1 + exp(v)) for v < 0), rounded once; NaN stays NaN. */
// @ts-ignore: decorator
@inline
export function sigmoidOf(v: f32): f32 {
  const z = <f64>v;
  if (z >= 0) return <f32>(1 / (1 + Math.exp(-z)));
  const e = Math.exp(z);
  return <f32>(e / (1 + e));
}

/** Sigmoid, overwrite (in place allowed): y[i] = sigmoid(x[i]). */
export function sigmoidForward(x: usize, y: usize, size: i32): void {
  for (let i = 0; i < size; i++) store<f32>(y + <usize>i * 4, sigmoidOf(load<f32>(x + <usize>i * 4)));
}

/** Sigmoid gradient, overwrite (in place allowed): dX[i] = (dY[i] * y[i]) * (1 - y[i]) in f64, rounded once. */
export function sigmoidBackward(y: usize, dY: usize, dX: usize, size: i32): void {
  for (let i = 0; i < size; i++) {
    const v = <f64>load<f32>(y + <usize>i * 4);
    const g = <f64>load<f32>(dY + <usize>i * 4);
    store<f32>(dX + <usize>i * 4, <f32>(g * v * (1 - v)));
  }
}
