/**
 * `lossForward` and `lossBackward` (BCE from the logit, stable; MSE; optional probability
 * clamp). lossForward is one 256-wide workgroup: each invocation handles samples
 * lid, lid + 256, ..., then a fixed-shape tree reduction sums losses and correct counts,
 * and invocation 0 adds them to stats: the loss never leaves the GPU until read.
 * WGSL entry points: lossForward, lossBackward.
 */
import { meanOver, type BackendOps, type LossFunction } from "@dlrm/core";
import { main1d, f32, storage, uniformStruct, type GpuContext } from "../context.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

const UNIFORMS = uniformStruct(["b: u32", "mse: u32", "threshold: f32", "mean_over: u32"]);

/** Per-sample probability, loss and clamp flag (contract formulas, in f32). */
const SAMPLE = `fn softplus(v: f32) -> f32 {
  let e = exp(-abs(v));
  // log1p(e): the series where 1 + e would round away e.
  let l = select(log(1.0 + e), e * (1.0 - 0.5 * e), e < 1e-4);
  return max(v, 0.0) + l;
}
fn sigmoid(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
struct Sample { p: f32, loss: f32, clamped: bool }
fn sample(v: f32, y: f32) -> Sample {
  let s = sigmoid(v);
  if (p.threshold > 0.0) {
    let pr = clamp(s, p.threshold, 1.0 - p.threshold);
    let clamped = s < p.threshold || s > 1.0 - p.threshold;
    if (p.mse != 0u) { return Sample(pr, (pr - y) * (pr - y), clamped); }
    let l = -(y * max(log(pr), -100.0) + (1.0 - y) * max(log(1.0 - pr), -100.0));
    return Sample(pr, l, clamped);
  }
  if (p.mse != 0u) { return Sample(s, (s - y) * (s - y), false); }
  let lp = max(-softplus(-v), -100.0);
  let l1p = max(-softplus(v), -100.0);
  return Sample(s, -(y * lp + (1.0 - y) * l1p), false);
}
`;

const FORWARD = () => `// lossForward
${UNIFORMS}${storage(1, "logits", "f32")}${storage(2, "targets", "f32")}${storage(3, "probs", "f32")}${storage(4, "stats", "f32")}${SAMPLE}
var<workgroup> lsum: array<f32, 256>;
var<workgroup> csum: array<u32, 256>;

@compute @workgroup_size(256)
fn lossForward(@builtin(local_invocation_index) lid: u32) {
  var l = 0.0;
  var c = 0u;
  for (var b = lid; b < p.b; b += 256u) {
    let y = targets[b];
    let s = sample(logits[b], y);
    probs[b] = s.p;
    l += s.loss;
    if (select(0.0, 1.0, s.p > 0.5) == y) { c++; }
  }
  lsum[lid] = l;
  csum[lid] = c;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) {
      lsum[lid] += lsum[lid + w];
      csum[lid] += csum[lid + w];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    stats[0] += lsum[0];
    stats[1] += f32(csum[0]);
    stats[2] += f32(p.b);
  }
}
`;

const BACKWARD = () => `// lossBackward
${UNIFORMS}${storage(1, "logits", "f32")}${storage(2, "targets", "f32")}${storage(3, "dlogits", "f32")}${SAMPLE}${main1d("lossBackward")}
  if (i >= p.b) { return; }
  let y = targets[i];
  let s = sample(logits[i], y);
  let nb = f32(p.mean_over);
  var g = 0.0;
  if (!s.clamped) {
    if (p.mse != 0u) { g = 2.0 * (s.p - y) * s.p * (1.0 - s.p) / nb; } else { g = (s.p - y) / nb; }
  }
  dlogits[i] = g;
}
`;

function uniforms(batchSize: number, loss: LossFunction, threshold: number, mean = batchSize) {
  const B = batchSize;
  return { B, values: [B, loss === "mse" ? 1 : 0, f32(threshold), mean] };
}

/** probs = sigmoid(z) (clamped), stats += [loss sum, correct, B]. */
export function lossForward(ctx: GpuContext, args: Args<"lossForward">): void {
  const op = "lossForward";
  const { values } = uniforms(args.batchSize, args.loss, args.threshold);
  const [logits, targets, probs, stats] = ctx.tensors.bindArgs(op, args, "logits", "targets", "probs", "stats");
  ctx.rec.dispatch(ctx.pipelines.kernel("lossForward", 4, FORWARD), [logits, targets, probs, stats], values, 1);
  ctx.rec.endOp();
}

/** dLogits = d(mean loss)/dz; overwrite. */
export function lossBackward(ctx: GpuContext, args: Args<"lossBackward">): void {
  const op = "lossBackward";
  const { B, values } = uniforms(args.batchSize, args.loss, args.threshold, meanOver(args.meanOver, args.batchSize));
  const [logits, targets, dLogits] = ctx.tensors.bindArgs(op, args, "logits", "targets", "dLogits");
  ctx.rec.dispatch1d(ctx.pipelines.kernel("lossBackward", 3, BACKWARD), [logits, targets, dLogits], values, B);
  ctx.rec.endOp();
}
