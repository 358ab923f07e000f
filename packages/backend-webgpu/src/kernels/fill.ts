/**
 * `fill`: t[i] = value for every element, f32 or i32, as one kernel over 32-bit words
 * (the value's bit pattern is in the uniforms), one dispatch per buffer of a tensor split by
 * rows. WGSL entry point: fill.
 */
import type { BackendOps } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";

type Args = Parameters<BackendOps["fill"]>[0];

const WGSL = () => `// fill
${uniformStruct(["n: u32", "bits: u32"])}${storage(1, "t", "u32")}${main1d("fill")}
  if (i >= p.n) { return; }
  t[i] = p.bits;
}
`;

/** Bit pattern of `value` as the tensor's dtype stores it. */
function bitsOf(dtype: "f32" | "i32", value: number): number {
  if (dtype === "i32") return value | 0;
  const f = new Float32Array([value]);
  return new Uint32Array(f.buffer)[0]!;
}

/** Fill, overwrite: t[i] = value (validateOp has checked an i32 value is an integer in range). */
export function fill(ctx: GpuContext, args: Args): void {
  const entry = ctx.tensors.get(args.t, "fill", "t");
  const dtype = entry.tensor.dtype;
  const kernel = ctx.pipelines.kernel("fill", 1, WGSL);
  for (const c of entry.chunks) {
    ctx.rec.dispatch1d(kernel, [c], [c.elems, bitsOf(dtype, args.value)], c.elems);
  }
  ctx.rec.endOp();
}
