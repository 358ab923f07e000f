/**
 * Element-wise kernels: bias add and its gradient, ReLU forward/backward, the DCNv2 cross
 * layer's element-wise part forward/backward, fill (the sigmoid's are in sigmoid.ts).
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

/** DCNv2 cross layer, overwrite: out[i] = x0[i] * y[i] + xl[i] (a product, then a sum; no FMA). */
export function crossForward(x0: usize, y: usize, xl: usize, out: usize, size: i32): void {
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i * 4;
    const p = f32x4.mul(v128.load(x0 + at), v128.load(y + at));
    v128.store(out + at, f32x4.add(p, v128.load(xl + at)));
  }
  for (; i < size; i++) {
    const at = <usize>i * 4;
    store<f32>(out + at, load<f32>(x0 + at) * load<f32>(y + at) + load<f32>(xl + at));
  }
}

/**
 * Gradient of `crossForward`: dY[i] = dOut[i] * x0[i];
 * dX0[i] = (accumulate ? dX0[i] : 0) + dOut[i] * y[i] + (hasXl ? 0 : dOut[i]);
 * dXl[i] = dOut[i] when hasXl != 0 (dXl is not touched otherwise).
 */
export function crossBackward(
  x0: usize, y: usize, dOut: usize, dY: usize, dX0: usize, dXl: usize, size: i32, accumulate: i32, hasXl: i32,
): void {
  const acc = accumulate != 0;
  const xl = hasXl != 0;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i * 4;
    const g = v128.load(dOut + at);
    v128.store(dY + at, f32x4.mul(g, v128.load(x0 + at)));
    let d = f32x4.mul(g, v128.load(y + at));
    if (acc) d = f32x4.add(v128.load(dX0 + at), d);
    if (xl) v128.store(dXl + at, g);
    else d = f32x4.add(d, g);
    v128.store(dX0 + at, d);
  }
  for (; i < size; i++) {
    const at = <usize>i * 4;
    const g = load<f32>(dOut + at);
    store<f32>(dY + at, g * load<f32>(x0 + at));
    let d = g * load<f32>(y + at);
    if (acc) d = load<f32>(dX0 + at) + d;
    if (xl) store<f32>(dXl + at, g);
    else d = d + g;
    store<f32>(dX0 + at, d);
  }
}

/** Fill, overwrite: the `size` 32-bit words at t all get the bit pattern `bits` (f32 or i32). */
export function fill(t: usize, bits: i32, size: i32): void {
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= size; i += 4) v128.store(t + <usize>i * 4, v);
  for (; i < size; i++) store<i32>(t + <usize>i * 4, bits);
}
