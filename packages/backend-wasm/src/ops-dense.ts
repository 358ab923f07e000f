/**
 * Dense ops of the contract on the wasm kernels: gemm and the fused linearForward (through
 * the thread pool), bias add and its gradient, ReLU, sigmoid, the cross layer's element-wise part, fill, loss forward/backward, dense SGD,
 * Adagrad and fused Adagrad. Arguments arrive checked by core's `validateOp` (backend.ts);
 * each op maps its tensors to offsets and calls one kernel.
 */
import { meanOver, type Activation, type BackendOps, type FusedOps, type Precision, type Tensor } from "@dlrm/core";
import { encodeArgs } from "./gemm-pool.js";
import { OP_GEMM, OP_LINEAR } from "./control.js";
import type { OpContext } from "./context.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** The kernels' bf16 flag: 1 for bf16, 0 for fp32 (or absent). */
export function bf16Flag(precision: Precision | undefined): number {
  return precision === "bf16" ? 1 : 0;
}

/** C (M x N) = alpha op(A) op(B) + beta C, in bands across threads for big products. */
export function gemm(ctx: OpContext, args: Args<"gemm">): void {
  const bf16 = bf16Flag(args.precision);
  const m = args.m,
    n = args.n,
    k = args.k;
  const alpha = args.alpha,
    beta = args.beta;
  const [a, b, c] = ctx.registry.offsets(args.a, args.b, args.c);
  const ta = args.transA ? 1 : 0,
    tb = args.transB ? 1 : 0;
  const kernel = ctx.kernels.gemm;
  ctx.pool.run({
    op: OP_GEMM,
    m,
    n,
    k,
    runLocal: (i0, i1, j0, j1, s) => kernel(a, b, c, m, n, k, ta, tb, alpha, beta, i0, i1, j0, j1, s, bf16),
    encode: (ctl, f32, i0, i1, j0, j1, s) =>
      encodeArgs(ctl, f32, [a, b, c, m, n, k, ta, tb, i0, i1, j0, j1, s, bf16], alpha, beta),
  });
}

/** The naive SIMD GEMM on one thread: the benchmark baseline, same arguments as `gemm`. */
export function gemmNaive(ctx: OpContext, args: Args<"gemm">): void {
  if (args.precision === "bf16")
    throw new RangeError(`gemmNaive: argument "precision" must be "fp32" (the naive baseline has no bf16 path)`);
  const m = args.m,
    n = args.n,
    k = args.k;
  const [a, b, c] = ctx.registry.offsets(args.a, args.b, args.c);
  ctx.kernels.gemmNaive(a, b, c, m, n, k, args.transA ? 1 : 0, args.transB ? 1 : 0, args.alpha, args.beta);
}

/** The kernel's activation codes (assembly/gemm.ts's ACT_NONE, ACT_RELU, ACT_SIGMOID). */
const ACTIVATION_CODES: Readonly<Record<Activation, number>> = { none: 0, relu: 1, sigmoid: 2 };

/** y (B x N) = act(x (B x K) W^T + bias), W (N x K); bias and activation fused into the GEMM. */
export function linearForward(ctx: OpContext, args: FusedArgs<"linearForward">): void {
  const bf16 = bf16Flag(args.precision);
  const m = args.batchSize,
    k = args.inFeatures,
    n = args.outFeatures;
  const act = ACTIVATION_CODES[args.activation];
  const [x, w, bias, y] = ctx.registry.offsets(args.x, args.weight, args.bias, args.y);
  const kernel = ctx.kernels.linearForward;
  ctx.pool.run({
    op: OP_LINEAR,
    m,
    n,
    k,
    runLocal: (i0, i1, j0, j1, s) => kernel(x, w, bias, y, m, k, n, act, i0, i1, j0, j1, s, bf16),
    encode: (ctl, f32, i0, i1, j0, j1, s) =>
      encodeArgs(ctl, f32, [x, w, bias, y, m, k, n, act, i0, i1, j0, j1, s, bf16]),
  });
}

/** dst[i] = bf16(src[i]) for i < size, through the kernels' conversion (a test hook, not a contract op). */
export function roundToBf16(ctx: OpContext, args: { src: Tensor; dst: Tensor; size: number }): void {
  const size = args.size;
  const [src, dst] = ctx.registry.offsets(args.src, args.dst);
  ctx.kernels.roundToBf16(src, dst, size);
}

/** y[i, j] += bias[j]. */
export function biasAddForward(ctx: OpContext, args: Args<"biasAddForward">): void {
  const rows = args.rows,
    cols = args.cols;
  const [y, bias] = ctx.registry.offsets(args.y, args.bias);
  ctx.kernels.biasAddForward(y, bias, rows, cols);
}

/** dBias[j] = sum_i dY[i, j]. */
export function biasAddBackward(ctx: OpContext, args: Args<"biasAddBackward">): void {
  const rows = args.rows,
    cols = args.cols;
  const [dY, dBias] = ctx.registry.offsets(args.dY, args.dBias);
  ctx.kernels.biasAddBackward(dY, dBias, rows, cols);
}

/** y[i] = max(x[i], 0). */
export function reluForward(ctx: OpContext, args: Args<"reluForward">): void {
  const size = args.size;
  const [x, y] = ctx.registry.offsets(args.x, args.y);
  ctx.kernels.reluForward(x, y, size);
}

/** dX[i] = y[i] > 0 ? dY[i] : 0. */
export function reluBackward(ctx: OpContext, args: Args<"reluBackward">): void {
  const size = args.size;
  const [y, dY, dX] = ctx.registry.offsets(args.y, args.dY, args.dX);
  ctx.kernels.reluBackward(y, dY, dX, size);
}

/** y[i] = sigmoid(x[i]). */
export function sigmoidForward(ctx: OpContext, args: Args<"sigmoidForward">): void {
  const size = args.size;
  const [x, y] = ctx.registry.offsets(args.x, args.y);
  ctx.kernels.sigmoidForward(x, y, size);
}

/** dX[i] = (dY[i] * y[i]) * (1 - y[i]). */
export function sigmoidBackward(ctx: OpContext, args: Args<"sigmoidBackward">): void {
  const size = args.size;
  const [y, dY, dX] = ctx.registry.offsets(args.y, args.dY, args.dX);
  ctx.kernels.sigmoidBackward(y, dY, dX, size);
}

/** out[i] = x0[i] * y[i] + xl[i]. */
export function crossForward(ctx: OpContext, args: Args<"crossForward">): void {
  const size = args.size;
  const [x0, y, xl, out] = ctx.registry.offsets(args.x0, args.y, args.xl, args.out);
  ctx.kernels.crossForward(x0, y, xl, out, size);
}

/** dY = dOut * x0; dX0 (+)= dOut * y (+ dOut without dXl); dXl = dOut when given. */
export function crossBackward(ctx: OpContext, args: Args<"crossBackward">): void {
  const size = args.size;
  const [x0, y, dOut, dY, dX0] = ctx.registry.offsets(args.x0, args.y, args.dOut, args.dY, args.dX0);
  const hasXl = args.dXl === undefined ? 0 : 1;
  const [dXl] = args.dXl === undefined ? [0] : ctx.registry.offsets(args.dXl);
  ctx.kernels.crossBackward(x0, y, dOut, dY, dX0, dXl, size, args.accumulate ? 1 : 0, hasXl);
}

const bitsF32 = new Float32Array(1);
const bitsI32 = new Int32Array(bitsF32.buffer);

/** t[i] = value: f32 tensors get fround(value), i32 tensors need an integer value. */
export function fill(ctx: OpContext, args: Args<"fill">): void {
  const entry = ctx.registry.get(args.t, "fill", "t");
  bitsF32[0] = args.value;
  const bits = entry.tensor.dtype === "f32" ? bitsI32[0]! : args.value;
  ctx.kernels.fill(entry.offset, bits, entry.tensor.size);
}

/** probs = sigmoid(logits) (clamped), stats += (loss sum, correct, B). */
export function lossForward(ctx: OpContext, args: Args<"lossForward">): void {
  const b = args.batchSize;
  const loss = args.loss === "mse" ? 1 : 0;
  const t = args.threshold;
  const [logits, targets, probs, stats] = ctx.registry.offsets(args.logits, args.targets, args.probs, args.stats);
  ctx.kernels.lossForward(logits, targets, probs, stats, b, loss, t);
}

/** dLogits = d(mean loss)/d(logits). */
export function lossBackward(ctx: OpContext, args: Args<"lossBackward">): void {
  const b = args.batchSize;
  const loss = args.loss === "mse" ? 1 : 0;
  const t = args.threshold;
  const [logits, targets, dLogits] = ctx.registry.offsets(args.logits, args.targets, args.dLogits);
  ctx.kernels.lossBackward(logits, targets, dLogits, b, meanOver(args.meanOver, b), loss, t);
}

/** param -= lr * grad. */
export function sgdStep(ctx: OpContext, args: Args<"sgdStep">): void {
  const size = args.size;
  const [param, grad] = ctx.registry.offsets(args.param, args.grad);
  ctx.kernels.sgdStep(param, grad, args.lr, size);
}

/** acc += grad^2; param -= lr * grad / (sqrt(acc) + eps). */
export function adagradStep(ctx: OpContext, args: Args<"adagradStep">): void {
  const size = args.size;
  const [param, grad, acc] = ctx.registry.offsets(args.param, args.grad, args.acc);
  ctx.kernels.adagradStep(param, grad, acc, args.lr, args.eps, size);
}

/** `adagradStep` over every (param, grad, acc) triple in one kernel call. */
export function fusedAdagradStep(ctx: OpContext, args: FusedArgs<"fusedAdagradStep">): void {
  const { params, grads, accs } = args;
  const words: number[] = [];
  params.forEach((p: Tensor, i) =>
    words.push(ctx.registry.offset(p), ctx.registry.offset(grads[i]!), ctx.registry.offset(accs[i]!), p.size),
  );
  ctx.kernels.fusedAdagradStep(ctx.descriptors(words), params.length, args.lr, args.eps);
}
