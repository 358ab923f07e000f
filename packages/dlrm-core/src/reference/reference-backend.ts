/**
 * The reference backend: the oracle every other backend is checked against. Plain
 * TypeScript over Float32Array / Int32Array; every reduction accumulates in float64 (JS
 * numbers) and rounds to float32 once, when it is stored. Slow on purpose: clarity first.
 * Formulas, shapes and overwrite/accumulate rules are those of the contract (backend.ts).
 * bf16 precision rounds matrix-product operands with util/bf16.ts, exactly; products of two
 * bf16 are exact in float64, so only the backends' fp32 summation order differs. Arguments are
 * checked by core's `validateOp`; the data rules of the sparse batch by sparse-faults.ts.
 */
import {
  checkAlloc,
  checkWrite,
  disposedError,
  findBagFault,
  findUniqueFault,
  meanOver,
  sparseFaultError,
  validateOp,
  type SpecifiedOp,
  type SparseFault,
  type TensorResolver,
} from "../ops-spec/index.js";
import { TensorTable } from "../tensor-table.js";
import type {
  Activation,
  Backend,
  BackendInfo,
  DType,
  ExecutionMode,
  FusedOps,
  InteractionOp,
  LossFunction,
  Precision,
  SparseBatchTensors,
  Tensor,
} from "../backend.js";
import { roundArrayToBf16, roundToBf16 } from "../util/bf16.js";

/** The named-argument object of a fused op, as the contract declares it. */
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** PyTorch's BCE clamps each log term at -100. */
const LOG_CLAMP = -100;

type Data = Float32Array | Int32Array;

interface Entry {
  readonly tensor: Tensor;
  readonly data: Data;
  readonly label: string | undefined;
}

/** Numerically stable log(1 + exp(x)). */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Numerically stable logistic function, in float64. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Number of interaction pairs kept by `dot` for F features. */
function dotPairs(f: number, itself: boolean): number {
  return itself ? (f * (f + 1)) / 2 : (f * (f - 1)) / 2;
}

/** The reference backend (eager). Tensors live in a Map by id; `read` returns a copy. */
export class ReferenceBackend implements Backend {
  readonly info: BackendInfo = {
    name: "reference",
    device: "host CPU (plain TypeScript, float64 accumulation)",
    deterministic: true,
    precisions: ["fp32", "bf16"],
  };
  readonly mode: ExecutionMode = "eager";

  private readonly tensors = new TensorTable<Entry>();
  private disposed = false;
  /** The tensor resolver of `validateOp` (the lazy wrapper checks arguments as it records). */
  readonly resolve: TensorResolver = (t, op, arg) => this.get(op, arg, t);

  // ---------------------------------------------------------------- memory

  /** Allocates a zero-filled tensor (the contract only promises "uninitialised"). */
  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor {
    this.checkAlive("alloc");
    const size = checkAlloc(shape, dtype, label);
    const data = dtype === "f32" ? new Float32Array(size) : new Int32Array(size);
    return this.tensors.add(shape, dtype, (tensor) => ({ tensor, data, label }));
  }

  /** Copies `data` into t at element `offset`; offset + data.length must not exceed t.size. */
  write(t: Tensor, data: Float32Array | Int32Array, offset = 0): void {
    const dst = this.get("write", "t", t);
    checkWrite(t, data, offset);
    dst.set(data, offset);
  }

  /** Returns a copy of t's contents. */
  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    return this.get("read", "t", t).slice();
  }

  free(t: Tensor): void {
    this.checkAlive("free");
    this.tensors.remove(t, "free");
  }

  markStep(): void {
    this.checkAlive("markStep");
  }

  async sync(): Promise<void> {
    this.checkAlive("sync");
  }

  dispose(): void {
    this.tensors.clear();
    this.disposed = true;
  }

  // ---------------------------------------------------------------- argument access (checked by validateOp)

  private checkAlive(op: string): void {
    if (this.disposed) throw disposedError(op, "reference");
  }

  /** Runs the contract's argument checks of `op`. */
  private validate(op: SpecifiedOp, args: unknown): void {
    this.checkAlive(op);
    validateOp(op, args, this.resolve);
  }

  /** The data of a live tensor of this backend, naming `arg` in any error. */
  private get(op: string, arg: string, t: Tensor | undefined): Data {
    this.checkAlive(op);
    return this.tensors.get(t, op, arg).data;
  }

  /** The data of a validated f32 / i32 tensor argument. */
  private f32(t: Tensor): Float32Array {
    return this.tensors.get(t, "", "").data as Float32Array;
  }

  private i32(t: Tensor): Int32Array {
    return this.tensors.get(t, "", "").data as Int32Array;
  }

  /** Table data and rows (validated: rows x dim). */
  private tableData(t: Tensor, dim: number): { data: Float32Array; rows: number } {
    const data = this.f32(t);
    return { data, rows: data.length / dim };
  }

  private static fail(op: string, fault: SparseFault | undefined): void {
    if (fault !== undefined) throw sparseFaultError(op, fault);
  }

  /**
   * The unique-slot view, its data rules checked (the CSR map when `csr`, the ops that read it;
   * bags against B and rows against `rows`, when given).
   */
  private unique(op: string, sparse: SparseBatchTensors, T: number, B?: number, rows?: readonly number[], csr = true) {
    const view = {
      tableUniqueOffsets: this.i32(sparse.tableUniqueOffsets),
      uniqueRows: this.i32(sparse.uniqueRows),
      csrOffsets: this.i32(sparse.csrOffsets),
      csrBags: this.i32(sparse.csrBags),
    };
    ReferenceBackend.fail(
      op,
      findUniqueFault(
        csr ? view : { tableUniqueOffsets: view.tableUniqueOffsets, uniqueRows: view.uniqueRows },
        T,
        B,
        rows,
      ),
    );
    return view;
  }

  // ---------------------------------------------------------------- dense ops

  gemm(args: {
    a: Tensor;
    b: Tensor;
    c: Tensor;
    m: number;
    n: number;
    k: number;
    transA: boolean;
    transB: boolean;
    alpha: number;
    beta: number;
    precision?: Precision;
  }): void {
    this.validate("gemm", args);
    const { m, n, k, transA, transB, alpha, beta } = args;
    const bf16 = args.precision === "bf16";
    const a32 = this.f32(args.a);
    const b32 = this.f32(args.b);
    const c = this.f32(args.c);
    const a = bf16 ? roundArrayToBf16(a32, m * k) : a32;
    const b = bf16 ? roundArrayToBf16(b32, k * n) : b32;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a[p * m + i]! : a[i * k + p]!;
          const bv = transB ? b[j * k + p]! : b[p * n + j]!;
          sum += av * bv;
        }
        const prev = beta === 0 ? 0 : beta * c[i * n + j]!;
        c[i * n + j] = alpha * sum + prev;
      }
    }
  }

  biasAddForward(args: { y: Tensor; bias: Tensor; rows: number; cols: number }): void {
    this.validate("biasAddForward", args);
    const { rows, cols } = args;
    const y = this.f32(args.y);
    const bias = this.f32(args.bias);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) y[i * cols + j] = y[i * cols + j]! + bias[j]!;
    }
  }

  biasAddBackward(args: { dY: Tensor; dBias: Tensor; rows: number; cols: number }): void {
    this.validate("biasAddBackward", args);
    const { rows, cols } = args;
    const dY = this.f32(args.dY);
    const dBias = this.f32(args.dBias);
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += dY[i * cols + j]!;
      dBias[j] = sum;
    }
  }

  /** y = max(x, 0); NaN propagates (as torch.relu). */
  reluForward(args: { x: Tensor; y: Tensor; size: number }): void {
    this.validate("reluForward", args);
    const { size } = args;
    const x = this.f32(args.x);
    const y = this.f32(args.y);
    for (let i = 0; i < size; i++) {
      const v = x[i]!;
      y[i] = v > 0 || Number.isNaN(v) ? v : 0;
    }
  }

  reluBackward(args: { y: Tensor; dY: Tensor; dX: Tensor; size: number }): void {
    this.validate("reluBackward", args);
    const { size } = args;
    const y = this.f32(args.y);
    const dY = this.f32(args.dY);
    const dX = this.f32(args.dX);
    for (let i = 0; i < size; i++) dX[i] = y[i]! > 0 ? dY[i]! : 0;
  }

  /** y = sigmoid(x) in float64, rounded once; NaN propagates (as torch.sigmoid). */
  sigmoidForward(args: { x: Tensor; y: Tensor; size: number }): void {
    this.validate("sigmoidForward", args);
    const { size } = args;
    const x = this.f32(args.x);
    const y = this.f32(args.y);
    for (let i = 0; i < size; i++) y[i] = sigmoid(x[i]!);
  }

  /** dX = (dY * y) * (1 - y) in float64, rounded once. */
  sigmoidBackward(args: { y: Tensor; dY: Tensor; dX: Tensor; size: number }): void {
    this.validate("sigmoidBackward", args);
    const { size } = args;
    const y = this.f32(args.y);
    const dY = this.f32(args.dY);
    const dX = this.f32(args.dX);
    for (let i = 0; i < size; i++) {
      const v = y[i]!;
      dX[i] = dY[i]! * v * (1 - v);
    }
  }

  crossForward(args: { x0: Tensor; y: Tensor; xl: Tensor; out: Tensor; size: number }): void {
    this.validate("crossForward", args);
    const x0 = this.f32(args.x0);
    const y = this.f32(args.y);
    const xl = this.f32(args.xl);
    const out = this.f32(args.out);
    for (let i = 0; i < args.size; i++) out[i] = x0[i]! * y[i]! + xl[i]!;
  }

  crossBackward(args: {
    x0: Tensor;
    y: Tensor;
    dOut: Tensor;
    dY: Tensor;
    dX0: Tensor;
    dXl?: Tensor;
    size: number;
    accumulate: boolean;
  }): void {
    this.validate("crossBackward", args);
    const x0 = this.f32(args.x0);
    const y = this.f32(args.y);
    const dOut = this.f32(args.dOut);
    const dY = this.f32(args.dY);
    const dX0 = this.f32(args.dX0);
    const dXl = args.dXl === undefined ? undefined : this.f32(args.dXl);
    for (let i = 0; i < args.size; i++) {
      const g = dOut[i]!;
      dY[i] = g * x0[i]!;
      dX0[i] = (args.accumulate ? dX0[i]! : 0) + g * y[i]! + (dXl === undefined ? g : 0);
      if (dXl !== undefined) dXl[i] = g;
    }
  }

  // ---------------------------------------------------------------- embedding bags

  embeddingBagsForward(args: {
    tables: readonly Tensor[];
    sparse: SparseBatchTensors;
    pooled: Tensor;
    batchSize: number;
    dim: number;
    rowWeights?: readonly Tensor[];
  }): void {
    const op = "embeddingBagsForward";
    this.validate(op, args);
    const { batchSize: B, dim: D } = args;
    const T = args.tables.length;
    const tables = args.tables.map((t) => this.tableData(t, D));
    const offsets = this.i32(args.sparse.offsets);
    const indices = this.i32(args.sparse.indices);
    ReferenceBackend.fail(
      op,
      findBagFault(
        offsets,
        indices,
        indices.length,
        T,
        B,
        tables.map((t) => t.rows),
      ),
    );
    const pooled = this.f32(args.pooled);
    const weights = args.rowWeights?.map((w) => this.f32(w));
    const acc = new Float64Array(D);
    for (let t = 0; t < T; t++) {
      const { data } = tables[t]!;
      const w = weights?.[t];
      for (let b = 0; b < B; b++) {
        acc.fill(0);
        const lo = offsets[t * B + b]!;
        const hi = offsets[t * B + b + 1]!;
        for (let i = lo; i < hi; i++) {
          const r = indices[i]!;
          const s = w === undefined ? 1 : w[r]!;
          for (let j = 0; j < D; j++) acc[j] = acc[j]! + s * data[r * D + j]!;
        }
        const base = b * T * D + t * D;
        for (let j = 0; j < D; j++) pooled[base + j] = acc[j]!;
      }
    }
  }

  embeddingBagsBackward(args: {
    dPooled: Tensor;
    sparse: SparseBatchTensors;
    dRows: Tensor;
    batchSize: number;
    dim: number;
    numTables: number;
    rowWeights?: readonly Tensor[];
    tables?: readonly Tensor[];
    dRowWeights?: Tensor;
  }): void {
    const op = "embeddingBagsBackward";
    this.validate(op, args);
    const { batchSize: B, dim: D, numTables: T } = args;
    const dPooled = this.f32(args.dPooled);
    const rows = args.tables?.map((t) => t.size / D);
    const view = this.unique(op, args.sparse, T, B, rows);
    const dRows = this.f32(args.dRows);
    const weights = args.rowWeights?.map((w) => this.f32(w));
    const tables = args.tables?.map((t) => this.f32(t));
    const dW = args.dRowWeights === undefined ? undefined : this.f32(args.dRowWeights);
    const { tableUniqueOffsets, uniqueRows, csrOffsets, csrBags } = view;
    const acc = new Float64Array(D);
    for (let t = 0; t < T; t++) {
      for (let u = tableUniqueOffsets[t]!; u < tableUniqueOffsets[t + 1]!; u++) {
        acc.fill(0);
        for (let k = csrOffsets[u]!; k < csrOffsets[u + 1]!; k++) {
          const base = csrBags[k]! * T * D + t * D;
          for (let j = 0; j < D; j++) acc[j] = acc[j]! + dPooled[base + j]!;
        }
        const r = uniqueRows[u]!;
        const s = weights === undefined ? 1 : weights[t]![r]!;
        for (let j = 0; j < D; j++) dRows[u * D + j] = s * acc[j]!;
        if (dW !== undefined && tables !== undefined) {
          let dot = 0;
          for (let j = 0; j < D; j++) dot += acc[j]! * tables[t]![r * D + j]!;
          dW[u] = dot;
        }
      }
    }
  }

  // ---------------------------------------------------------------- interaction

  private interactionArgs(
    op: "interactionForward" | "interactionBackward",
    args: {
      x: Tensor;
      pooled: Tensor;
      batchSize: number;
      dim: number;
      numTables: number;
      op: InteractionOp;
      itself: boolean;
      precision?: Precision;
    },
  ) {
    const { batchSize: B, dim: D, numTables: T } = args;
    this.validate(op, args);
    const bf16 = args.precision === "bf16";
    const F = T + 1;
    const width = args.op === "cat" ? F * D : D + dotPairs(F, args.itself);
    const x = this.f32(args.x);
    const pooled = this.f32(args.pooled);
    /** Operand rounding of the dot products: bf16 or the identity. */
    const r = bf16 ? roundToBf16 : (v: number): number => v;
    return { B, D, T, F, width, x, pooled, r };
  }

  interactionForward(args: {
    x: Tensor;
    pooled: Tensor;
    out: Tensor;
    batchSize: number;
    dim: number;
    numTables: number;
    op: InteractionOp;
    itself: boolean;
    precision?: Precision;
  }): void {
    const { B, D, T, F, width, x, pooled, r } = this.interactionArgs("interactionForward", args);
    const out = this.f32(args.out);
    const z = (b: number, f: number, j: number): number =>
      f === 0 ? x[b * D + j]! : pooled[b * T * D + (f - 1) * D + j]!;
    for (let b = 0; b < B; b++) {
      const row = b * width;
      if (args.op === "cat") {
        for (let f = 0; f < F; f++) for (let j = 0; j < D; j++) out[row + f * D + j] = z(b, f, j);
        continue;
      }
      for (let j = 0; j < D; j++) out[row + j] = x[b * D + j]!;
      let p = D;
      for (let i = 0; i < F; i++) {
        const last = args.itself ? i : i - 1;
        for (let k = 0; k <= last; k++) {
          let sum = 0;
          for (let j = 0; j < D; j++) sum += r(z(b, i, j)) * r(z(b, k, j));
          out[row + p++] = sum;
        }
      }
    }
  }

  interactionBackward(args: {
    x: Tensor;
    pooled: Tensor;
    dOut: Tensor;
    dX: Tensor;
    dPooled: Tensor;
    batchSize: number;
    dim: number;
    numTables: number;
    op: InteractionOp;
    itself: boolean;
    precision?: Precision;
  }): void {
    const op = "interactionBackward";
    const { B, D, T, F, width, x, pooled, r } = this.interactionArgs(op, args);
    const dOut = this.f32(args.dOut);
    const dX = this.f32(args.dX);
    const dPooled = this.f32(args.dPooled);
    const z = (b: number, f: number, j: number): number =>
      f === 0 ? x[b * D + j]! : pooled[b * T * D + (f - 1) * D + j]!;
    const dZ = new Float64Array(F * D);
    for (let b = 0; b < B; b++) {
      const row = b * width;
      if (args.op === "cat") {
        for (let f = 0; f < F; f++) for (let j = 0; j < D; j++) dZ[f * D + j] = dOut[row + f * D + j]!;
      } else {
        dZ.fill(0);
        for (let j = 0; j < D; j++) dZ[j] = dOut[row + j]!;
        let p = D;
        for (let i = 0; i < F; i++) {
          const last = args.itself ? i : i - 1;
          for (let k = 0; k <= last; k++) {
            const g = r(dOut[row + p++]!);
            for (let j = 0; j < D; j++) {
              dZ[i * D + j] = dZ[i * D + j]! + g * r(z(b, k, j));
              dZ[k * D + j] = dZ[k * D + j]! + g * r(z(b, i, j));
            }
          }
        }
      }
      for (let j = 0; j < D; j++) dX[b * D + j] = dZ[j]!;
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < D; j++) dPooled[b * T * D + t * D + j] = dZ[(t + 1) * D + j]!;
      }
    }
  }

  // ---------------------------------------------------------------- loss

  /**
   * Per-sample probability and loss, in float64. With threshold t > 0, p = clamp(sigmoid(z), t, 1-t)
   * and the loss is plain BCE / MSE on that p; with t = 0, BCE comes straight from the logit:
   * log p = -softplus(-z), log(1 - p) = -softplus(z), each clamped at -100.
   */
  private static sampleLoss(
    z: number,
    y: number,
    loss: LossFunction,
    threshold: number,
  ): { p: number; loss: number; clamped: boolean } {
    const s = sigmoid(z);
    if (threshold > 0) {
      const p = Math.min(Math.max(s, threshold), 1 - threshold);
      const clamped = s < threshold || s > 1 - threshold;
      const l =
        loss === "mse"
          ? (p - y) * (p - y)
          : -(y * Math.max(Math.log(p), LOG_CLAMP) + (1 - y) * Math.max(Math.log(1 - p), LOG_CLAMP));
      return { p, loss: l, clamped };
    }
    if (loss === "mse") return { p: s, loss: (s - y) * (s - y), clamped: false };
    const logP = Math.max(-softplus(-z), LOG_CLAMP);
    const log1mP = Math.max(-softplus(z), LOG_CLAMP);
    return { p: s, loss: -(y * logP + (1 - y) * log1mP), clamped: false };
  }

  /**
   * Writes probs, and adds the loss sum, the correct count and B to stats. "Correct" is
   * round(p) == y with p the stored float32 probability and torch.round's half-to-even
   * rule, so p = 0.5 rounds to 0: round(p) = p > 0.5 ? 1 : 0 for p in [0, 1].
   */
  lossForward(args: {
    logits: Tensor;
    targets: Tensor;
    probs: Tensor;
    stats: Tensor;
    batchSize: number;
    loss: LossFunction;
    threshold: number;
  }): void {
    this.validate("lossForward", args);
    const { batchSize: B, loss, threshold } = args;
    const logits = this.f32(args.logits);
    const targets = this.f32(args.targets);
    const probs = this.f32(args.probs);
    const stats = this.f32(args.stats);
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < B; b++) {
      const y = targets[b]!;
      const r = ReferenceBackend.sampleLoss(logits[b]!, y, loss, threshold);
      probs[b] = r.p;
      lossSum += r.loss;
      if ((probs[b]! > 0.5 ? 1 : 0) === y) correct++;
    }
    stats[0] = stats[0]! + lossSum;
    stats[1] = stats[1]! + correct;
    stats[2] = stats[2]! + B;
  }

  lossBackward(args: {
    logits: Tensor;
    targets: Tensor;
    dLogits: Tensor;
    batchSize: number;
    loss: LossFunction;
    threshold: number;
    meanOver?: number;
  }): void {
    this.validate("lossBackward", args);
    const { batchSize: B, loss, threshold } = args;
    const M = meanOver(args.meanOver, B);
    const logits = this.f32(args.logits);
    const targets = this.f32(args.targets);
    const dLogits = this.f32(args.dLogits);
    for (let b = 0; b < B; b++) {
      const y = targets[b]!;
      const { p, clamped } = ReferenceBackend.sampleLoss(logits[b]!, y, loss, threshold);
      if (clamped) dLogits[b] = 0;
      else if (loss === "bce") dLogits[b] = (p - y) / M;
      else dLogits[b] = (2 * (p - y) * p * (1 - p)) / M;
    }
  }

  // ---------------------------------------------------------------- optimizers

  sgdStep(args: { param: Tensor; grad: Tensor; lr: number; size: number }): void {
    this.validate("sgdStep", args);
    const { lr, size } = args;
    const param = this.f32(args.param);
    const grad = this.f32(args.grad);
    for (let i = 0; i < size; i++) param[i] = param[i]! - lr * grad[i]!;
  }

  /** acc is stored as f32 first; the update uses that stored value (as torch does in f32). */
  adagradStep(args: { param: Tensor; grad: Tensor; acc: Tensor; lr: number; eps: number; size: number }): void {
    this.validate("adagradStep", args);
    const { lr, eps, size } = args;
    const param = this.f32(args.param);
    const grad = this.f32(args.grad);
    const acc = this.f32(args.acc);
    ReferenceBackend.adagradUpdate(param, 0, grad, 0, acc, 0, size, lr, eps);
  }

  /** Element-wise Adagrad on `n` elements at the given offsets of param, grad, acc. */
  private static adagradUpdate(
    param: Float32Array,
    po: number,
    grad: Float32Array,
    go: number,
    acc: Float32Array,
    ao: number,
    n: number,
    lr: number,
    eps: number,
  ): void {
    for (let i = 0; i < n; i++) {
      const g = grad[go + i]!;
      acc[ao + i] = acc[ao + i]! + g * g;
      param[po + i] = param[po + i]! - (lr * g) / (Math.sqrt(acc[ao + i]!) + eps);
    }
  }

  sparseSgdStep(args: {
    tables: readonly Tensor[];
    sparse: SparseBatchTensors;
    dRows: Tensor;
    lr: number;
    dim: number;
    numTables: number;
  }): void {
    const op = "sparseSgdStep";
    this.validate(op, args);
    const { lr, dim: D, numTables: T } = args;
    const tables = args.tables.map((t) => this.tableData(t, D));
    const view = this.unique(
      op,
      args.sparse,
      T,
      undefined,
      tables.map((t) => t.rows),
      false,
    );
    const dRows = this.f32(args.dRows);
    ReferenceBackend.forEachUniqueRow(view, T, (t, u, r) => {
      const w = tables[t]!.data;
      for (let j = 0; j < D; j++) w[r * D + j] = w[r * D + j]! - lr * dRows[u * D + j]!;
    });
  }

  sparseAdagradStep(args: {
    tables: readonly Tensor[];
    accs: readonly Tensor[];
    sparse: SparseBatchTensors;
    dRows: Tensor;
    lr: number;
    eps: number;
    dim: number;
    numTables: number;
    rowWise: boolean;
  }): void {
    const op = "sparseAdagradStep";
    this.validate(op, args);
    const { lr, eps, dim: D, numTables: T, rowWise } = args;
    const tables = args.tables.map((t) => this.tableData(t, D));
    const accs = args.accs.map((a) => this.f32(a));
    const view = this.unique(
      op,
      args.sparse,
      T,
      undefined,
      tables.map((t) => t.rows),
      false,
    );
    const dRows = this.f32(args.dRows);
    ReferenceBackend.forEachUniqueRow(view, T, (t, u, r) => {
      const w = tables[t]!.data;
      const acc = accs[t]!;
      if (!rowWise) {
        ReferenceBackend.adagradUpdate(w, r * D, dRows, u * D, acc, r * D, D, lr, eps);
        return;
      }
      let sq = 0;
      for (let j = 0; j < D; j++) sq += dRows[u * D + j]! * dRows[u * D + j]!;
      acc[r] = acc[r]! + sq / D;
      const denom = Math.sqrt(acc[r]!) + eps;
      for (let j = 0; j < D; j++) w[r * D + j] = w[r * D + j]! - (lr * dRows[u * D + j]!) / denom;
    });
  }

  /** Calls fn(table, slot, row) for every unique slot (rows checked by `unique`). */
  private static forEachUniqueRow(
    view: { tableUniqueOffsets: Int32Array; uniqueRows: Int32Array },
    T: number,
    fn: (t: number, u: number, r: number) => void,
  ): void {
    for (let t = 0; t < T; t++) {
      for (let u = view.tableUniqueOffsets[t]!; u < view.tableUniqueOffsets[t + 1]!; u++) fn(t, u, view.uniqueRows[u]!);
    }
  }

  /** Fill; an i32 tensor takes only integer values. */
  fill(args: { t: Tensor; value: number }): void {
    this.validate("fill", args);
    const data = this.get("fill", "t", args.t);
    data.fill(args.value);
  }

  // ---------------------------------------------------------------- fused ops (same arithmetic as the unfused sequence)

  linearForward(args: {
    x: Tensor;
    weight: Tensor;
    bias: Tensor;
    y: Tensor;
    batchSize: number;
    inFeatures: number;
    outFeatures: number;
    activation: Activation;
    precision?: Precision;
  }): void {
    this.validate("linearForward", args);
    const { batchSize: B, inFeatures: K, outFeatures: N, activation } = args;
    const precision = args.precision ?? "fp32";
    this.gemm({
      a: args.x,
      b: args.weight,
      c: args.y,
      m: B,
      n: N,
      k: K,
      transA: false,
      transB: true,
      alpha: 1,
      beta: 0,
      precision,
    });
    this.biasAddForward({ y: args.y, bias: args.bias, rows: B, cols: N });
    if (activation === "relu") this.reluForward({ x: args.y, y: args.y, size: B * N });
    if (activation === "sigmoid") this.sigmoidForward({ x: args.y, y: args.y, size: B * N });
  }

  fusedAdagradStep(args: FusedArgs<"fusedAdagradStep">): void {
    this.validate("fusedAdagradStep", args);
    const n = args.params.length;
    for (let i = 0; i < n; i++) {
      const param = args.params[i]!;
      this.adagradStep({
        param,
        grad: args.grads[i]!,
        acc: args.accs[i]!,
        lr: args.lr,
        eps: args.eps,
        size: param.size,
      });
    }
  }

  embeddingBagsBackwardSparseStep(args: FusedArgs<"embeddingBagsBackwardSparseStep">): void {
    const op = "embeddingBagsBackwardSparseStep";
    this.validate(op, args);
    const { dPooled, tables, accs, sparse, dRows, lr, eps, batchSize, dim, numTables, rowWise } = args;
    this.unique(
      op,
      sparse,
      numTables,
      batchSize,
      tables.map((t) => t.size / dim),
    );
    this.embeddingBagsBackward({ dPooled, sparse, dRows, batchSize, dim, numTables });
    if (accs === undefined) this.sparseSgdStep({ tables, sparse, dRows, lr, dim, numTables });
    else this.sparseAdagradStep({ tables, accs, sparse, dRows, lr, eps, dim, numTables, rowWise });
  }
}
