/**
 * `interactionForward` / `interactionBackward`. Z = [x, e_1 .. e_T] (F x D per sample).
 * Forward: an invocation per output element (copy for x and cat, a D-term dot product in
 * order for each pair). Backward: an invocation per dZ[b, f, j], summing its pairs over the
 * other feature o = 0..F-1 in order. WGSL entry points: interactionForward, interactionBackward.
 * bf16 (uniform flag, dot only): Z and the pair gradients are rounded to bf16 in the products.
 */
import { interactionOutWidth, type BackendOps } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";
import { BF16_WGSL } from "./bf16.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

const UNIFORMS = uniformStruct(["b: u32", "d: u32", "nt: u32", "width: u32", "cat: u32", "itself: u32", "bf16: u32"]);

/** Z[b, f, j] from x and pooled. */
const Z = `${BF16_WGSL}fn z(b: u32, f: u32, j: u32) -> f32 {
  if (f == 0u) { return x[b * p.d + j]; }
  return pooled[b * p.nt * p.d + (f - 1u) * p.d + j];
}
/** A product operand: rounded to bf16 when p.bf16. */
fn q(v: f32) -> f32 {
  if (p.bf16 != 0u) { return round_bf16(v); }
  return v;
}
/** Output column of pair (i, k), k <= i (k < i without self-interaction). */
fn pair_col(i: u32, k: u32) -> u32 {
  if (p.itself != 0u) { return p.d + i * (i + 1u) / 2u + k; }
  return p.d + i * (i - 1u) / 2u + k;
}
`;

const FORWARD = () => `// interactionForward
${UNIFORMS}${storage(1, "x", "f32")}${storage(2, "pooled", "f32")}${storage(3, "out", "f32")}${Z}${main1d("interactionForward")}
  if (i >= p.b * p.width) { return; }
  let b = i / p.width;
  let c = i % p.width;
  if (p.cat != 0u) { out[i] = z(b, c / p.d, c % p.d); return; }
  if (c < p.d) { out[i] = x[b * p.d + c]; return; }
  // Find pair (fi, fk) of column c: rows fi hold fi + 1 pairs (itself) or fi pairs.
  var fk = c - p.d;
  var fi = select(1u, 0u, p.itself != 0u);
  loop {
    let len = select(fi, fi + 1u, p.itself != 0u);
    if (fk < len) { break; }
    fk -= len;
    fi++;
  }
  var s = 0.0;
  for (var j = 0u; j < p.d; j++) { s += q(z(b, fi, j)) * q(z(b, fk, j)); }
  out[i] = s;
}
`;

const BACKWARD = () => `// interactionBackward
${UNIFORMS}${storage(1, "x", "f32")}${storage(2, "pooled", "f32")}${storage(3, "dout", "f32")}${storage(4, "dx", "f32")}${storage(5, "dpooled", "f32")}${Z}${main1d("interactionBackward")}
  let nf = p.nt + 1u;
  if (i >= p.b * nf * p.d) { return; }
  let b = i / (nf * p.d);
  let f = (i / p.d) % nf;
  let j = i % p.d;
  let row = b * p.width;
  var g = 0.0;
  if (p.cat != 0u) {
    g = dout[row + f * p.d + j];
  } else {
    if (f == 0u) { g = dout[row + j]; }
    for (var o = 0u; o < nf; o++) {
      if (o < f) { g += q(dout[row + pair_col(f, o)]) * q(z(b, o, j)); }
      else if (o > f) { g += q(dout[row + pair_col(o, f)]) * q(z(b, o, j)); }
      else if (p.itself != 0u) { g += 2.0 * q(dout[row + pair_col(f, f)]) * q(z(b, f, j)); }
    }
  }
  if (f == 0u) { dx[b * p.d + j] = g; } else { dpooled[b * p.nt * p.d + (f - 1u) * p.d + j] = g; }
}
`;

function common(op: string, args: Args<"interactionForward"> | Args<"interactionBackward">) {
  const { batchSize: B, dim: D, numTables: T } = args;
  const F = T + 1;
  const width = interactionOutWidth(args.op, args.itself, D, T);
  const bf16 = args.precision === "bf16" ? 1 : 0;
  return { B, D, T, F, width, uniforms: [B, D, T, width, args.op === "cat" ? 1 : 0, args.itself ? 1 : 0, bf16] };
}

/** out (B x width) = cat(x, e_1..e_T) or cat(x, pairwise dots); overwrite. */
export function interactionForward(ctx: GpuContext, args: Args<"interactionForward">): void {
  const op = "interactionForward";
  const c = common(op, args);
  const [x, pooled, out] = ctx.tensors.bindArgs(op, args, "x", "pooled", "out");
  ctx.rec.dispatch1d(
    ctx.pipelines.kernel("interactionForward", 3, FORWARD),
    [x, pooled, out],
    c.uniforms,
    c.B * c.width,
  );
  ctx.rec.endOp();
}

/** dX (B x D) and dPooled (B x T*D) from dOut; overwrite. */
export function interactionBackward(ctx: GpuContext, args: Args<"interactionBackward">): void {
  const op = "interactionBackward";
  const c = common(op, args);
  const [x, pooled, dOut, dX, dPooled] = ctx.tensors.bindArgs(op, args, "x", "pooled", "dOut", "dX", "dPooled");
  ctx.rec.dispatch1d(
    ctx.pipelines.kernel("interactionBackward", 5, BACKWARD),
    [x, pooled, dOut, dX, dPooled],
    c.uniforms,
    c.B * c.F * c.D,
  );
  ctx.rec.endOp();
}
