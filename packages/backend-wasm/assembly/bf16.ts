/**
 * fp32 -> bf16 rounding for the wasm kernels, bit for bit as @dlrm/core's util/bf16.ts:
 * nearest even on the bit pattern, (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000; NaN keeps
 * its sign and top payload bits with the quiet bit set. Results stay in f32 lanes (bf16
 * values widened), so the GEMM and interaction kernels multiply them with f32x4 exactly.
 */

/** One value rounded to bf16, as an f32. */
// @ts-ignore: decorator
@inline
export function bf16(v: f32): f32 {
  const u = reinterpret<u32>(v);
  if ((u & 0x7fffffff) > 0x7f800000) return reinterpret<f32>((u | 0x00400000) & 0xffff0000);
  return reinterpret<f32>((u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000);
}

/** Four lanes rounded to bf16: the same formula on i32x4, NaN lanes selected by mask. */
// @ts-ignore: decorator
@inline
export function bf16x4(v: v128): v128 {
  const hi = i32x4.splat(0xffff0000);
  const lsb = v128.and(i32x4.shr_u(v, 16), i32x4.splat(1));
  const rounded = v128.and(i32x4.add(i32x4.add(v, i32x4.splat(0x7fff)), lsb), hi);
  const quiet = v128.and(v128.or(v, i32x4.splat(0x00400000)), hi);
  const isNaN = i32x4.gt_s(v128.and(v, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000));
  return v128.bitselect(quiet, rounded, isNaN);
}

/** Rounds n f32 at p to bf16 in place (n a multiple of 4: packed GEMM panels are). */
export function roundPanelBf16(p: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const at = p + <usize>i * 4;
    v128.store(at, bf16x4(v128.load(at)));
  }
}

/** dst[i] = bf16(src[i]) for i < n (scalar: the conversion test kernel, any n). */
export function roundToBf16(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + <usize>i * 4, bf16(load<f32>(src + <usize>i * 4)));
}
