/**
 * Feature interaction forward/backward (`dot` and `cat`), overwrite. Per sample b the
 * features are Z = [x_b, e_1 .. e_T] (F = T + 1 rows of D); x is (B x D), e_t is
 * pooled[b, t*D ..]. dot keeps the strict lower triangle of Z Z^T in row-major order
 * ((1,0), (2,0), (2,1), ...), or the lower triangle with the diagonal when `itself`.
 * useBf16 != 0 (dot): Z and the pair gradients are rounded to bf16 in the products (f32 sums).
 */
import { bf16, bf16x4 } from "./bf16";
import { copyRow, zeroRow } from "./sparse-checks";

/** Address of feature i of sample b: x row for i = 0, else the pooled slice of table i-1. */
// @ts-ignore: decorator
@inline
function feature(x: usize, pooled: usize, b: i32, i: i32, dim: i32, numTables: i32): usize {
  return i == 0
    ? x + <usize>b * <usize>dim * 4
    : pooled + (<usize>b * <usize>numTables + <usize>(i - 1)) * <usize>dim * 4;
}

/** dot(u, v) over d elements: four f32x4 lanes, then the lanes in order, then the tail. */
function dotRow(u: usize, v: usize, d: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= d; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(u + <usize>j * 4), v128.load(v + <usize>j * 4)));
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < d; j++) s += load<f32>(u + <usize>j * 4) * load<f32>(v + <usize>j * 4);
  return s;
}

/** dotRow with both operands rounded to bf16 (same lane order, so only the rounding differs). */
function dotRowBf16(u: usize, v: usize, d: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= d; j += 4) acc = f32x4.add(acc, f32x4.mul(bf16x4(v128.load(u + <usize>j * 4)), bf16x4(v128.load(v + <usize>j * 4))));
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < d; j++) s += bf16(load<f32>(u + <usize>j * 4)) * bf16(load<f32>(v + <usize>j * 4));
  return s;
}

/** axpyRow with s and src rounded to bf16. */
function axpyRowBf16(dst: usize, s: f32, src: usize, d: i32): void {
  const vs = f32x4.splat(bf16(s));
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const at = dst + <usize>j * 4;
    v128.store(at, f32x4.add(v128.load(at), f32x4.mul(vs, bf16x4(v128.load(src + <usize>j * 4)))));
  }
  for (; j < d; j++) {
    const at = dst + <usize>j * 4;
    store<f32>(at, load<f32>(at) + bf16(s) * bf16(load<f32>(src + <usize>j * 4)));
  }
}

/** dst[0..d) += s * src[0..d). */
function axpyRow(dst: usize, s: f32, src: usize, d: i32): void {
  const vs = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const at = dst + <usize>j * 4;
    v128.store(at, f32x4.add(v128.load(at), f32x4.mul(vs, v128.load(src + <usize>j * 4))));
  }
  for (; j < d; j++) {
    const at = dst + <usize>j * 4;
    store<f32>(at, load<f32>(at) + s * load<f32>(src + <usize>j * 4));
  }
}

/**
 * Forward, overwrite. cat (op 1): out (B x F*D) = concat(x, e_1, .., e_T).
 * dot (op 0): out (B x D + P) = concat(x, Z_i . Z_j for the kept pairs).
 */
export function interactionForward(
  x: usize, pooled: usize, out: usize, batch: i32, dim: i32, numTables: i32, op: i32, itself: i32, useBf16: i32,
): void {
  const f = numTables + 1;
  const diag = itself != 0 ? 1 : 0;
  const pairs = (f * (f - 1)) / 2 + diag * f;
  const width = op == 1 ? f * dim : dim + pairs;
  for (let b = 0; b < batch; b++) {
    const row = out + <usize>b * <usize>width * 4;
    copyRow(row, x + <usize>b * <usize>dim * 4, dim);
    if (op == 1) {
      copyRow(row + <usize>dim * 4, pooled + <usize>b * <usize>(numTables * dim) * 4, numTables * dim);
      continue;
    }
    let p = dim;
    for (let i = 0; i < f; i++) {
      const zi = feature(x, pooled, b, i, dim, numTables);
      for (let j = 0; j < i + diag; j++) {
        const zj = feature(x, pooled, b, j, dim, numTables);
        store<f32>(row + <usize>p * 4, useBf16 != 0 ? dotRowBf16(zi, zj, dim) : dotRow(zi, zj, dim));
        p++;
      }
    }
  }
}

/**
 * Backward, overwrite dX (B x D) and dPooled (B x T*D). cat: slices of dOut. dot:
 * dZ_0 = dOut[b, 0..D) and dZ_t = 0, then for each kept pair p = (i, j) with g = dOut[b, D+p]:
 * dZ_i += g Z_j and dZ_j += g Z_i (twice g Z_i on the diagonal); dX = dZ_0, dPooled = dZ_1..T.
 */
export function interactionBackward(
  x: usize, pooled: usize, dOut: usize, dX: usize, dPooled: usize,
  batch: i32, dim: i32, numTables: i32, op: i32, itself: i32, useBf16: i32,
): void {
  const f = numTables + 1;
  const diag = itself != 0 ? 1 : 0;
  const pairs = (f * (f - 1)) / 2 + diag * f;
  const width = op == 1 ? f * dim : dim + pairs;
  for (let b = 0; b < batch; b++) {
    const g = dOut + <usize>b * <usize>width * 4;
    copyRow(dX + <usize>b * <usize>dim * 4, g, dim);
    const dPool = dPooled + <usize>b * <usize>(numTables * dim) * 4;
    if (op == 1) {
      copyRow(dPool, g + <usize>dim * 4, numTables * dim);
      continue;
    }
    zeroRow(dPool, numTables * dim);
    let p = dim;
    for (let i = 0; i < f; i++) {
      const zi = feature(x, pooled, b, i, dim, numTables);
      const dzi = feature(dX, dPooled, b, i, dim, numTables);
      for (let j = 0; j < i + diag; j++) {
        const s = load<f32>(g + <usize>p * 4);
        p++;
        const zj = feature(x, pooled, b, j, dim, numTables);
        const dzj = feature(dX, dPooled, b, j, dim, numTables);
        if (useBf16 != 0) {
          axpyRowBf16(dzi, s, zj, dim);
          axpyRowBf16(dzj, s, zi, dim);
        } else {
          axpyRow(dzi, s, zj, dim);
          axpyRow(dzj, s, zi, dim);
        }
      }
    }
  }
}
