/**
 * Dense ops of the contract on the wasm kernels: gemm and the fused linearForward (through
 * the thread pool), bias add and its gradient, ReLU, fill, loss forward/backward, dense SGD,
 * Adagrad and fused Adagrad. Each checks its tensors and dims, then calls one kernel.
 */
import { meanOver, type Activation, type BackendOps, type FusedOps, type LossFunction, type Precision, type Tensor } from "@dlrm/core";
import { encodeArgs } from "./gemm-pool.js";
import { OP_GEMM, OP_LINEAR } from "./control.js";
import type { OpContext } from "./context.js";
import { count, dim, finite } from "./registry.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** The kernels' bf16 flag: 1 for bf16, 0 for fp32 (or absent); throws for anything else. */
export function bf16Flag(op: string, precision: Precision | undefined): number {
  if (precision === undefined || precision === "fp32") return 0;
  if (precision === "bf16") return 1;
  throw new Error(`${op}: unknown precision '${String(precision)}'`);
}

/** Throws unless the precision is fp32 (the naive baseline GEMM has no bf16 path). */
function requireFp32(op: string, precision: Precision | undefined): void {
  if (bf16Flag(op, precision) !== 0) throw new Error(`${op}: the naive baseline GEMM is fp32 only`);
}

/** C (M x N) = alpha op(A) op(B) + beta C, in bands across threads for big products. */
export function gemm(ctx: OpContext, args: Args<"gemm">): void {
  const op = "gemm";
  const bf16 = bf16Flag(op, args.precision);
  const m = dim(op, "m", args.m), n = dim(op, "n", args.n), k = dim(op, "k", args.k);
  const alpha = finite(op, "alpha", args.alpha), beta = finite(op, "beta", args.beta);
  const a = ctx.registry.offset(args.a, op, "a", "f32", count(op, m, k));
  const b = ctx.registry.offset(args.b, op, "b", "f32", count(op, k, n));
  const c = ctx.registry.offset(args.c, op, "c", "f32", count(op, m, n));
  const ta = args.transA ? 1 : 0, tb = args.transB ? 1 : 0;
  const kernel = ctx.kernels.gemm;
  ctx.pool.run({
    op: OP_GEMM, m, n, k,
    runLocal: (i0, i1, j0, j1, s) => kernel(a, b, c, m, n, k, ta, tb, alpha, beta, i0, i1, j0, j1, s, bf16),
    encode: (ctl, f32, i0, i1, j0, j1, s) => encodeArgs(ctl, f32, [a, b, c, m, n, k, ta, tb, i0, i1, j0, j1, s, bf16], alpha, beta),
  });
}

/** The naive SIMD GEMM on one thread: the benchmark baseline, same arguments as `gemm`. */
export function gemmNaive(ctx: OpContext, args: Args<"gemm">): void {
  const op = "gemmNaive";
  requireFp32(op, args.precision);
  const m = dim(op, "m", args.m), n = dim(op, "n", args.n), k = dim(op, "k", args.k);
  const a = ctx.registry.offset(args.a, op, "a", "f32", count(op, m, k));
  const b = ctx.registry.offset(args.b, op, "b", "f32", count(op, k, n));
  const c = ctx.registry.offset(args.c, op, "c", "f32", count(op, m, n));
  ctx.kernels.gemmNaive(a, b, c, m, n, k, args.transA ? 1 : 0, args.transB ? 1 : 0, finite(op, "alpha", args.alpha), finite(op, "beta", args.beta));
}

/** y (B x N) = act(x (B x K) W^T + bias), W (N x K); bias and activation fused into the GEMM. */
export function linearForward(ctx: OpContext, args: FusedArgs<"linearForward">): void {
  const op = "linearForward";
  const bf16 = bf16Flag(op, args.precision);
  const m = dim(op, "batchSize", args.batchSize), k = dim(op, "inFeatures", args.inFeatures), n = dim(op, "outFeatures", args.outFeatures);
  const relu = activationFlag(op, args.activation);
  const x = ctx.registry.offset(args.x, op, "x", "f32", count(op, m, k));
  const w = ctx.registry.offset(args.weight, op, "weight", "f32", count(op, n, k));
  const bias = ctx.registry.offset(args.bias, op, "bias", "f32", n);
  const y = ctx.registry.offset(args.y, op, "y", "f32", count(op, m, n));
  const kernel = ctx.kernels.linearForward;
  ctx.pool.run({
    op: OP_LINEAR, m, n, k,
    runLocal: (i0, i1, j0, j1, s) => kernel(x, w, bias, y, m, k, n, relu, i0, i1, j0, j1, s, bf16),
    encode: (ctl, f32, i0, i1, j0, j1, s) => encodeArgs(ctl, f32, [x, w, bias, y, m, k, n, relu, i0, i1, j0, j1, s, bf16]),
  });
}

/** dst[i] = bf16(src[i]) for i < size, through the kernels' conversion (a test hook, not a contract op). */
export function roundToBf16(ctx: OpContext, args: { src: Tensor; dst: Tensor; size: number }): void {
  const op = "roundToBf16";
  const size = dim(op, "size", args.size);
  const src = ctx.registry.offset(args.src, op, "src", "f32", size);
  const dst = ctx.registry.offset(args.dst, op, "dst", "f32", size);
  ctx.kernels.roundToBf16(src, dst, size);
}

function activationFlag(op: string, activation: Activation): number {
  if (activation === "relu") return 1;
  if (activation === "none") return 0;
  throw new RangeError(`${op}: unknown activation '${String(activation)}'`);
}

/** y[i, j] += bias[j]. */
export function biasAddForward(ctx: OpContext, args: Args<"biasAddForward">): void {
  const op = "biasAddForward";
  const rows = dim(op, "rows", args.rows), cols = dim(op, "cols", args.cols);
  const y = ctx.registry.offset(args.y, op, "y", "f32", count(op, rows, cols));
  const bias = ctx.registry.offset(args.bias, op, "bias", "f32", cols);
  ctx.kernels.biasAddForward(y, bias, rows, cols);
}

/** dBias[j] = sum_i dY[i, j]. */
export function biasAddBackward(ctx: OpContext, args: Args<"biasAddBackward">): void {
  const op = "biasAddBackward";
  const rows = dim(op, "rows", args.rows), cols = dim(op, "cols", args.cols);
  const dY = ctx.registry.offset(args.dY, op, "dY", "f32", count(op, rows, cols));
  const dBias = ctx.registry.offset(args.dBias, op, "dBias", "f32", cols);
  ctx.kernels.biasAddBackward(dY, dBias, rows, cols);
}

/** y[i] = max(x[i], 0). */
export function reluForward(ctx: OpContext, args: Args<"reluForward">): void {
  const op = "reluForward";
  const size = dim(op, "size", args.size);
  const x = ctx.registry.offset(args.x, op, "x", "f32", size);
  const y = ctx.registry.offset(args.y, op, "y", "f32", size);
  ctx.kernels.reluForward(x, y, size);
}

/** dX[i] = y[i] > 0 ? dY[i] : 0. */
export function reluBackward(ctx: OpContext, args: Args<"reluBackward">): void {
  const op = "reluBackward";
  const size = dim(op, "size", args.size);
  const y = ctx.registry.offset(args.y, op, "y", "f32", size);
  const dY = ctx.registry.offset(args.dY, op, "dY", "f32", size);
  const dX = ctx.registry.offset(args.dX, op, "dX", "f32", size);
  ctx.kernels.reluBackward(y, dY, dX, size);
}

const bitsF32 = new Float32Array(1);
const bitsI32 = new Int32Array(bitsF32.buffer);

/** t[i] = value: f32 tensors get fround(value), i32 tensors need an integer value. */
export function fill(ctx: OpContext, args: Args<"fill">): void {
  const op = "fill";
  const entry = ctx.registry.get(args.t, op, "t");
  let bits: number;
  if (entry.tensor.dtype === "f32") {
    bitsF32[0] = args.value;
    bits = bitsI32[0]!;
  } else {
    if (!Number.isInteger(args.value) || args.value < -(2 ** 31) || args.value >= 2 ** 31) {
      throw new RangeError(`${op}: an i32 tensor needs an integer value in the i32 range, got ${args.value}`);
    }
    bits = args.value;
  }
  ctx.kernels.fill(entry.offset, bits, entry.tensor.size);
}

function lossCode(op: string, loss: LossFunction): number {
  if (loss === "bce") return 0;
  if (loss === "mse") return 1;
  throw new RangeError(`${op}: unknown loss '${String(loss)}'`);
}

function threshold(op: string, t: number): number {
  if (!Number.isFinite(t) || t < 0 || t >= 0.5) throw new RangeError(`${op}: threshold must be in [0, 0.5), got ${t}`);
  return t;
}

/** probs = sigmoid(logits) (clamped), stats += (loss sum, correct, B). */
export function lossForward(ctx: OpContext, args: Args<"lossForward">): void {
  const op = "lossForward";
  const b = dim(op, "batchSize", args.batchSize);
  const loss = lossCode(op, args.loss);
  const t = threshold(op, args.threshold);
  const logits = ctx.registry.offset(args.logits, op, "logits", "f32", b);
  const targets = ctx.registry.offset(args.targets, op, "targets", "f32", b);
  const probs = ctx.registry.offset(args.probs, op, "probs", "f32", b);
  const stats = ctx.registry.offset(args.stats, op, "stats", "f32", 3);
  ctx.kernels.lossForward(logits, targets, probs, stats, b, loss, t);
}

/** dLogits = d(mean loss)/d(logits). */
export function lossBackward(ctx: OpContext, args: Args<"lossBackward">): void {
  const op = "lossBackward";
  const b = dim(op, "batchSize", args.batchSize);
  const loss = lossCode(op, args.loss);
  const t = threshold(op, args.threshold);
  const logits = ctx.registry.offset(args.logits, op, "logits", "f32", b);
  const targets = ctx.registry.offset(args.targets, op, "targets", "f32", b);
  const dLogits = ctx.registry.offset(args.dLogits, op, "dLogits", "f32", b);
  ctx.kernels.lossBackward(logits, targets, dLogits, b, meanOver(op, args.meanOver, b), loss, t);
}

/** param -= lr * grad. */
export function sgdStep(ctx: OpContext, args: Args<"sgdStep">): void {
  const op = "sgdStep";
  const size = dim(op, "size", args.size);
  const param = ctx.registry.offset(args.param, op, "param", "f32", size);
  const grad = ctx.registry.offset(args.grad, op, "grad", "f32", size);
  ctx.kernels.sgdStep(param, grad, finite(op, "lr", args.lr), size);
}

/** acc += grad^2; param -= lr * grad / (sqrt(acc) + eps). */
export function adagradStep(ctx: OpContext, args: Args<"adagradStep">): void {
  const op = "adagradStep";
  const size = dim(op, "size", args.size);
  const param = ctx.registry.offset(args.param, op, "param", "f32", size);
  const grad = ctx.registry.offset(args.grad, op, "grad", "f32", size);
  const acc = ctx.registry.offset(args.acc, op, "acc", "f32", size);
  ctx.kernels.adagradStep(param, grad, acc, finite(op, "lr", args.lr), finite(op, "eps", args.eps), size);
}

/** `adagradStep` over every (param, grad, acc) triple in one kernel call. */
export function fusedAdagradStep(ctx: OpContext, args: FusedArgs<"fusedAdagradStep">): void {
  const op = "fusedAdagradStep";
  const { params, grads, accs } = args;
  if (grads.length !== params.length || accs.length !== params.length) {
    throw new RangeError(`${op}: params, grads and accs must have the same length (${params.length}, ${grads.length}, ${accs.length})`);
  }
  const words: number[] = [];
  params.forEach((p: Tensor, i) => {
    const param = ctx.registry.offset(p, op, `params[${i}]`, "f32", 0);
    words.push(
      param,
      ctx.registry.offset(grads[i], op, `grads[${i}]`, "f32", p.size),
      ctx.registry.offset(accs[i], op, `accs[${i}]`, "f32", p.size),
      p.size,
    );
  });
  const lr = finite(op, "lr", args.lr), eps = finite(op, "eps", args.eps);
  ctx.kernels.fusedAdagradStep(ctx.descriptors(words), params.length, lr, eps);
}
