/**
 * Shared pieces of the sparse kernels: the table descriptor layout, the status codes a
 * kernel returns when device-side index data is out of range (the TS side turns them into
 * errors), and small SIMD row helpers. Every data-dependent index is checked before use.
 */

/** Status: all indices in range. */
export const OK: i32 = 0;
/** offsets[0] is not 0, an offsets entry is outside [0, NNZmax], or a bag ends before it starts. */
export const BAD_OFFSETS: i32 = 1;
/** An index is outside [0, rows) of its table. */
export const BAD_INDEX: i32 = 2;
/** tableUniqueOffsets[0] is not 0, or it decreases or leaves [0, Umax]. */
export const BAD_TABLE_UNIQUE_OFFSETS: i32 = 3;
/** csrOffsets is decreasing or outside [0, NNZmax]. */
export const BAD_CSR_OFFSETS: i32 = 4;
/** A csrBags entry is outside [0, B). */
export const BAD_CSR_BAGS: i32 = 5;
/** A uniqueRows entry is outside [0, rows) of its table. */
export const BAD_UNIQUE_ROW: i32 = 6;

/**
 * Bytes per table descriptor: i32 weights pointer, i32 rows, i32 accumulator pointer (the
 * embedding-bag kernels with row weights read the row-weight vector's pointer there instead).
 */
export const TABLE_DESC_BYTES: usize = 12;

// @ts-ignore: decorator
@inline
export function tablePtr(desc: usize, t: i32): usize {
  return <usize>load<u32>(desc + <usize>t * TABLE_DESC_BYTES);
}

// @ts-ignore: decorator
@inline
export function tableRows(desc: usize, t: i32): i32 {
  return load<i32>(desc + <usize>t * TABLE_DESC_BYTES, 4);
}

// @ts-ignore: decorator
@inline
export function tableAcc(desc: usize, t: i32): usize {
  return <usize>load<u32>(desc + <usize>t * TABLE_DESC_BYTES, 8);
}

/** Reads i32 element `i` of the array at `base`. */
// @ts-ignore: decorator
@inline
export function at32(base: usize, i: i32): i32 {
  return load<i32>(base + <usize>i * 4);
}

/** dst[0..d) = 0. */
export function zeroRow(dst: usize, d: i32): void {
  const z = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= d; j += 4) v128.store(dst + <usize>j * 4, z);
  for (; j < d; j++) store<f32>(dst + <usize>j * 4, 0);
}

/** dst[0..d) += src[0..d). */
export function addRow(dst: usize, src: usize, d: i32): void {
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const at = dst + <usize>j * 4;
    v128.store(at, f32x4.add(v128.load(at), v128.load(src + <usize>j * 4)));
  }
  for (; j < d; j++) {
    const at = dst + <usize>j * 4;
    store<f32>(at, load<f32>(at) + load<f32>(src + <usize>j * 4));
  }
}

/** dst[0..d) = src[0..d). */
export function copyRow(dst: usize, src: usize, d: i32): void {
  let j = 0;
  for (; j + 4 <= d; j += 4) v128.store(dst + <usize>j * 4, v128.load(src + <usize>j * 4));
  for (; j < d; j++) store<f32>(dst + <usize>j * 4, load<f32>(src + <usize>j * 4));
}

/** dst[0..d) += s * src[0..d). */
export function addScaledRow(dst: usize, src: usize, s: f32, d: i32): void {
  const sv = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const at = dst + <usize>j * 4;
    v128.store(at, f32x4.add(v128.load(at), f32x4.mul(sv, v128.load(src + <usize>j * 4))));
  }
  for (; j < d; j++) {
    const at = dst + <usize>j * 4;
    store<f32>(at, load<f32>(at) + s * load<f32>(src + <usize>j * 4));
  }
}

/** dst[0..d) *= s. */
export function scaleRow(dst: usize, s: f32, d: i32): void {
  const sv = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= d; j += 4) v128.store(dst + <usize>j * 4, f32x4.mul(sv, v128.load(dst + <usize>j * 4)));
  for (; j < d; j++) store<f32>(dst + <usize>j * 4, s * load<f32>(dst + <usize>j * 4));
}

/** sum_j a[j] * b[j] over d elements (four f32 lanes, then the lanes and the tail in order). */
export function dotRow(a: usize, b: usize, d: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= d; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(a + <usize>j * 4), v128.load(b + <usize>j * 4)));
  let sum: f32 =
    f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < d; j++) sum += load<f32>(a + <usize>j * 4) * load<f32>(b + <usize>j * 4);
  return sum;
}
