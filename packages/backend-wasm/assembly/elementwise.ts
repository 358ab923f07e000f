/**
 * Element-wise kernels: bias add and its gradient, ReLU forward/backward, fill.
 * f32x4 SIMD over the contiguous dimension with scalar tails (any length works).
 * Pointers are byte offsets into linear memory; counts are elements.
 */

/** Bias add, accumulate: y[i, j] += bias[j] for y (rows x cols), bias (cols). */
export function biasAddForward(y: usize, bias: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = y + <usize>i * <usize>cols * 4;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const at = row + <usize>j * 4;
      v128.store(at, f32x4.add(v128.load(at), v128.load(bias + <usize>j * 4)));
    }
    for (; j < cols; j++) {
      const at = row + <usize>j * 4;
      store<f32>(at, load<f32>(at) + load<f32>(bias + <usize>j * 4));
    }
  }
}

/** Bias gradient, overwrite: dBias[j] = sum_i dY[i, j] (i ascending) for dY (rows x cols). */
export function biasAddBackward(dY: usize, dBias: usize, rows: i32, cols: i32): void {
  for (let j = 0; j < cols; j++) store<f32>(dBias + <usize>j * 4, 0);
  for (let i = 0; i < rows; i++) {
    const row = dY + <usize>i * <usize>cols * 4;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const at = dBias + <usize>j * 4;
      v128.store(at, f32x4.add(v128.load(at), v128.load(row + <usize>j * 4)));
    }
    for (; j < cols; j++) {
      const at = dBias + <usize>j * 4;
      store<f32>(at, load<f32>(at) + load<f32>(row + <usize>j * 4));
    }
  }
}

/** ReLU, overwrite (in place allowed): y[i] = max(x[i], 0) (wasm f32 max: NaN stays NaN). */
export function reluForward(x: usize, y: usize, size: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= size; i += 4) v128.store(y + <usize>i * 4, f32x4.max(v128.load(x + <usize>i * 4), zero));
  for (; i < size; i++) store<f32>(y + <usize>i * 4, max<f32>(load<f32>(x + <usize>i * 4), 0));
}

/** ReLU gradient, overwrite (in place allowed): dX[i] = y[i] > 0 ? dY[i] : 0. */
export function reluBackward(y: usize, dY: usize, dX: usize, size: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const mask = f32x4.gt(v128.load(y + <usize>i * 4), zero);
    v128.store(dX + <usize>i * 4, v128.and(v128.load(dY + <usize>i * 4), mask));
  }
  for (; i < size; i++) {
    store<f32>(dX + <usize>i * 4, load<f32>(y + <usize>i * 4) > 0 ? load<f32>(dY + <usize>i * 4) : 0);
  }
}

/** Fill, overwrite: the `size` 32-bit words at t all get the bit pattern `bits` (f32 or i32). */
export function fill(t: usize, bits: i32, size: i32): void {
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= size; i += 4) v128.store(t + <usize>i * 4, v);
  for (; i < size; i++) store<i32>(t + <usize>i * 4, bits);
}
