/**
 * The WGSL fp32 -> bf16 rounding shared by the GEMM and interaction kernels, bit for bit as
 * @dlrm/core's util/bf16.ts: nearest even on the u32 pattern, NaN quieted with its sign
 * and top payload bits. Operands are rounded as they are loaded (into registers or shared
 * tiles) and stay in f32 lanes, so products of two are exact and accumulate in f32.
 */

/** WGSL functions `round_bf16(v: f32) -> f32` and `round_bf16v4(v: vec4<f32>) -> vec4<f32>`. */
export const BF16_WGSL = `fn round_bf16(v: f32) -> f32 {
  let u = bitcast<u32>(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) { return bitcast<f32>((u | 0x00400000u) & 0xffff0000u); }
  return bitcast<f32>((u + 0x7fffu + ((u >> 16u) & 1u)) & 0xffff0000u);
}
fn round_bf16v4(v: vec4<f32>) -> vec4<f32> { return vec4<f32>(round_bf16(v.x), round_bf16(v.y), round_bf16(v.z), round_bf16(v.w)); }
`;
