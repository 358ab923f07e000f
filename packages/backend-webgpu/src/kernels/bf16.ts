/**
 * The WGSL fp32 -> bf16 rounding shared by the GEMM and interaction kernels, bit for bit as
 * @dlrm/core's util/bf16.ts: nearest even on the u32 pattern, NaN quieted with its sign
 * and top payload bits. Operands are rounded as they are loaded (into registers or shared
 * tiles) and stay in f32 lanes, so products of two are exact and accumulate in f32.
 * Also a test-hook kernel that applies the conversion to u32 bit patterns.
 */
import type { Tensor } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";

/** WGSL functions `round_bf16(v: f32) -> f32` and `round_bf16v4(v: vec4<f32>) -> vec4<f32>`. */
export const BF16_WGSL = `fn round_bf16(v: f32) -> f32 {
  let u = bitcast<u32>(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) { return bitcast<f32>((u | 0x00400000u) & 0xffff0000u); }
  return bitcast<f32>((u + 0x7fffu + ((u >> 16u) & 1u)) & 0xffff0000u);
}
fn round_bf16v4(v: vec4<f32>) -> vec4<f32> { return vec4<f32>(round_bf16(v.x), round_bf16(v.y), round_bf16(v.z), round_bf16(v.w)); }
`;

const ROUND_KERNEL = () => `// round_to_bf16
${uniformStruct(["n: u32"])}${storage(1, "src", "u32")}${storage(2, "dst", "u32")}${BF16_WGSL}${main1d("round_to_bf16")}
  if (i >= p.n) { return; }
  dst[i] = bitcast<u32>(round_bf16(bitcast<f32>(src[i])));
}
`;

/**
 * Test hook, not a contract op: dst[i] = round_bf16(src[i]) for i < size, read and written
 * as u32 bit patterns, so the check of the WGSL conversion involves no f32 arithmetic (GPUs
 * may flush subnormal products to zero; the conversion itself is integer work).
 */
export function roundToBf16(ctx: GpuContext, args: { src: Tensor; dst: Tensor; size: number }): void {
  const op = "roundToBf16";
  const n = args.size;
  const [src, dst] = ctx.tensors.bindArgs(op, args, "src", "dst");
  if (n === 0) return;
  ctx.rec.dispatch1d(ctx.pipelines.kernel("round_to_bf16", 2, ROUND_KERNEL), [src, dst], [n], n);
  ctx.rec.endOp();
}
