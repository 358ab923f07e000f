/**
 * The reference backend: the oracle every other backend is checked against. Plain
 * TypeScript over Float32Array / Int32Array; every reduction accumulates in float64 (JS
 * numbers) and rounds to float32 once, when it is stored. Slow on purpose: clarity first.
 * Formulas, shapes and overwrite/accumulate rules are those of the contract (backend.ts).
 * bf16 precision rounds matrix-product operands with util/bf16.ts, exactly; products of two
 * bf16 are exact in float64, so only the backends' fp32 summation order differs.
 */
import { meanOver } from "../loss-args.js";
import type {
  Activation,
  Backend,
  BackendInfo,
  DType,
  ExecutionMode,
  InteractionOp,
  LossFunction,
  Precision,
  SparseBatchTensors,
  Tensor,
} from "../backend.js";
import { roundArrayToBf16, roundToBf16 } from "../util/bf16.js";

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

/** What the unique-row ops need from the sparse batch, validated. */
interface UniqueView {
  uniqueRows: Int32Array;
  tableUniqueOffsets: Int32Array;
  csrOffsets: Int32Array;
  csrBags: Int32Array;
  /** U, the number of unique (table, row) slots this batch. */
  numUnique: number;
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

  private readonly tensors = new Map<number, Entry>();
  private nextId = 1;
  private disposed = false;

  // ---------------------------------------------------------------- memory

  /** Allocates a zero-filled tensor (the contract only promises "uninitialised"). */
  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor {
    this.checkAlive("alloc");
    const name = label ?? "tensor";
    if (dtype !== "f32" && dtype !== "i32") throw new TypeError(`alloc(${name}): unknown dtype ${String(dtype)}`);
    let size = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`alloc(${name}): bad dimension ${d} in shape [${shape.join(", ")}]`);
      size *= d;
    }
    if (size > 2 ** 31 - 1) throw new RangeError(`alloc(${name}): ${size} elements do not fit (max 2^31 - 1)`);
    const data = dtype === "f32" ? new Float32Array(size) : new Int32Array(size);
    const tensor: Tensor = Object.freeze({ id: this.nextId++, shape: Object.freeze([...shape]), size, dtype });
    this.tensors.set(tensor.id, { tensor, data, label });
    return tensor;
  }

  /** Copies `data` into t at element `offset`; offset + data.length must not exceed t.size. */
  write(t: Tensor, data: Float32Array | Int32Array, offset = 0): void {
    const dst = this.get("write", "t", t);
    const want = t.dtype === "f32" ? Float32Array : Int32Array;
    if (!(data instanceof want)) {
      throw new TypeError(`write: tensor #${t.id} is ${t.dtype} but data is a ${data.constructor.name}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > t.size) {
      throw new RangeError(`write: ${data.length} elements at offset ${offset} do not fit tensor #${t.id} of size ${t.size}`);
    }
    dst.set(data, offset);
  }

  /** Returns a copy of t's contents. */
  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    return this.get("read", "t", t).slice();
  }

  free(t: Tensor): void {
    this.get("free", "t", t);
    this.tensors.delete(t.id);
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

  // ---------------------------------------------------------------- validation helpers

  private checkAlive(op: string): void {
    if (this.disposed) throw new Error(`${op}: the reference backend has been disposed`);
  }

  /** Looks up a live tensor of this backend, naming `arg` in any error. */
  private get(op: string, arg: string, t: Tensor | undefined): Data {
    this.checkAlive(op);
    if (t === undefined || t === null) throw new TypeError(`${op}: argument "${arg}" is missing`);
    const entry = this.tensors.get(t.id);
    if (entry === undefined) throw new Error(`${op}: argument "${arg}" (tensor #${t.id}) was freed or never allocated here`);
    if (entry.tensor !== t) throw new Error(`${op}: argument "${arg}" (tensor #${t.id}) belongs to another backend`);
    return entry.data;
  }

  private f32(op: string, arg: string, t: Tensor | undefined, minSize: number): Float32Array {
    const data = this.get(op, arg, t);
    if (!(data instanceof Float32Array)) throw new TypeError(`${op}: argument "${arg}" must be f32, got i32`);
    if (data.length < minSize) throw new RangeError(`${op}: argument "${arg}" has ${data.length} elements, needs at least ${minSize}`);
    return data;
  }

  private i32(op: string, arg: string, t: Tensor | undefined, minSize: number): Int32Array {
    const data = this.get(op, arg, t);
    if (!(data instanceof Int32Array)) throw new TypeError(`${op}: argument "${arg}" must be i32, got f32`);
    if (data.length < minSize) throw new RangeError(`${op}: argument "${arg}" has ${data.length} elements, needs at least ${minSize}`);
    return data;
  }

  private static dims(op: string, dims: Record<string, number>): void {
    for (const [name, v] of Object.entries(dims)) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: argument "${name}" must be a non-negative integer, got ${v}`);
    }
  }

  private static finite(op: string, values: Record<string, number>): void {
    for (const [name, v] of Object.entries(values)) {
      if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${op}: argument "${name}" must be a number, got ${String(v)}`);
    }
  }

  /** True for bf16, false for fp32 (or absent); throws for anything else. */
  private static precision(op: string, precision: Precision | undefined): boolean {
    if (precision === undefined || precision === "fp32") return false;
    if (precision === "bf16") return true;
    throw new TypeError(`${op}: unknown precision ${String(precision)}`);
  }

  /** Table rows, checking the table is (rows x dim). */
  private tableData(op: string, arg: string, t: Tensor | undefined, dim: number): { data: Float32Array; rows: number } {
    const data = this.f32(op, arg, t, 0);
    if (dim === 0 || data.length % dim !== 0) throw new RangeError(`${op}: argument "${arg}" has ${data.length} elements, not a multiple of dim ${dim}`);
    return { data, rows: data.length / dim };
  }

  /** Validated bag offsets: T*B + 1 non-decreasing entries starting at 0, ending within `indices`. */
  private bags(op: string, sparse: SparseBatchTensors, numTables: number, batchSize: number): { offsets: Int32Array; indices: Int32Array } {
    if (sparse === undefined || sparse === null) throw new TypeError(`${op}: argument "sparse" is missing`);
    const nBags = numTables * batchSize;
    const offsets = this.i32(op, "sparse.offsets", sparse.offsets, nBags + 1);
    const indices = this.i32(op, "sparse.indices", sparse.indices, 0);
    if (offsets[0] !== 0) throw new RangeError(`${op}: sparse.offsets[0] must be 0, got ${offsets[0]}`);
    for (let i = 1; i <= nBags; i++) {
      if (offsets[i]! < offsets[i - 1]!) throw new RangeError(`${op}: sparse.offsets decreases at ${i}`);
    }
    if (offsets[nBags]! > indices.length) {
      throw new RangeError(`${op}: sparse.offsets ends at ${offsets[nBags]} but sparse.indices has ${indices.length} elements`);
    }
    return { offsets, indices };
  }

  /** Validated unique-row view: tableUniqueOffsets, csrOffsets and csrBags consistent. */
  private unique(op: string, sparse: SparseBatchTensors, numTables: number, batchSize?: number): UniqueView {
    if (sparse === undefined || sparse === null) throw new TypeError(`${op}: argument "sparse" is missing`);
    const tableUniqueOffsets = this.i32(op, "sparse.tableUniqueOffsets", sparse.tableUniqueOffsets, numTables + 1);
    const numUnique = tableUniqueOffsets[numTables]!;
    if (tableUniqueOffsets[0] !== 0) throw new RangeError(`${op}: sparse.tableUniqueOffsets[0] must be 0`);
    for (let t = 1; t <= numTables; t++) {
      if (tableUniqueOffsets[t]! < tableUniqueOffsets[t - 1]!) throw new RangeError(`${op}: sparse.tableUniqueOffsets decreases at ${t}`);
    }
    const uniqueRows = this.i32(op, "sparse.uniqueRows", sparse.uniqueRows, numUnique);
    const csrOffsets = this.i32(op, "sparse.csrOffsets", sparse.csrOffsets, numUnique + 1);
    const csrBags = this.i32(op, "sparse.csrBags", sparse.csrBags, 0);
    for (let u = 0; u < numUnique; u++) {
      const lo = csrOffsets[u]!;
      const hi = csrOffsets[u + 1]!;
      if (lo < 0 || hi < lo || hi > csrBags.length) throw new RangeError(`${op}: sparse.csrOffsets[${u}..${u + 1}] = ${lo}..${hi} is not a valid range of sparse.csrBags`);
      if (batchSize !== undefined) {
        for (let k = lo; k < hi; k++) {
          const b = csrBags[k]!;
          if (b < 0 || b >= batchSize) throw new RangeError(`${op}: sparse.csrBags[${k}] = ${b} is not a bag in 0..${batchSize - 1}`);
        }
      }
    }
    return { uniqueRows, tableUniqueOffsets, csrOffsets, csrBags, numUnique };
  }

  private tableList(op: string, arg: string, tables: readonly Tensor[] | undefined, numTables: number): void {
    if (!Array.isArray(tables)) throw new TypeError(`${op}: argument "${arg}" must be an array of tensors`);
    if (tables.length !== numTables) throw new RangeError(`${op}: argument "${arg}" has ${tables.length} tensors, numTables is ${numTables}`);
  }

  // ---------------------------------------------------------------- dense ops

  gemm(args: {
    a: Tensor; b: Tensor; c: Tensor;
    m: number; n: number; k: number;
    transA: boolean; transB: boolean;
    alpha: number; beta: number;
    precision?: Precision;
  }): void {
    const { m, n, k, transA, transB, alpha, beta } = args;
    const bf16 = ReferenceBackend.precision("gemm", args.precision);
    ReferenceBackend.dims("gemm", { m, n, k });
    ReferenceBackend.finite("gemm", { alpha, beta });
    const a32 = this.f32("gemm", "a", args.a, m * k);
    const b32 = this.f32("gemm", "b", args.b, k * n);
    const c = this.f32("gemm", "c", args.c, m * n);
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
    const { rows, cols } = args;
    ReferenceBackend.dims("biasAddForward", { rows, cols });
    const y = this.f32("biasAddForward", "y", args.y, rows * cols);
    const bias = this.f32("biasAddForward", "bias", args.bias, cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) y[i * cols + j] = y[i * cols + j]! + bias[j]!;
    }
  }

  biasAddBackward(args: { dY: Tensor; dBias: Tensor; rows: number; cols: number }): void {
    const { rows, cols } = args;
    ReferenceBackend.dims("biasAddBackward", { rows, cols });
    const dY = this.f32("biasAddBackward", "dY", args.dY, rows * cols);
    const dBias = this.f32("biasAddBackward", "dBias", args.dBias, cols);
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += dY[i * cols + j]!;
      dBias[j] = sum;
    }
  }

  /** y = max(x, 0); NaN propagates (as torch.relu). */
  reluForward(args: { x: Tensor; y: Tensor; size: number }): void {
    const { size } = args;
    ReferenceBackend.dims("reluForward", { size });
    const x = this.f32("reluForward", "x", args.x, size);
    const y = this.f32("reluForward", "y", args.y, size);
    for (let i = 0; i < size; i++) {
      const v = x[i]!;
      y[i] = v > 0 || Number.isNaN(v) ? v : 0;
    }
  }

  reluBackward(args: { y: Tensor; dY: Tensor; dX: Tensor; size: number }): void {
    const { size } = args;
    ReferenceBackend.dims("reluBackward", { size });
    const y = this.f32("reluBackward", "y", args.y, size);
    const dY = this.f32("reluBackward", "dY", args.dY, size);
    const dX = this.f32("reluBackward", "dX", args.dX, size);
    for (let i = 0; i < size; i++) dX[i] = y[i]! > 0 ? dY[i]! : 0;
  }

  // ---------------------------------------------------------------- embedding bags

  embeddingBagsForward(args: {
    tables: readonly Tensor[]; sparse: SparseBatchTensors; pooled: Tensor;
    batchSize: number; dim: number;
  }): void {
    const op = "embeddingBagsForward";
    const { batchSize: B, dim: D } = args;
    ReferenceBackend.dims(op, { batchSize: B, dim: D });
    if (!Array.isArray(args.tables)) throw new TypeError(`${op}: argument "tables" must be an array of tensors`);
    const T = args.tables.length;
    const tables = args.tables.map((t, i) => this.tableData(op, `tables[${i}]`, t, D));
    const { offsets, indices } = this.bags(op, args.sparse, T, B);
    const pooled = this.f32(op, "pooled", args.pooled, B * T * D);
    const acc = new Float64Array(D);
    for (let t = 0; t < T; t++) {
      const { data, rows } = tables[t]!;
      for (let b = 0; b < B; b++) {
        acc.fill(0);
        const lo = offsets[t * B + b]!;
        const hi = offsets[t * B + b + 1]!;
        for (let i = lo; i < hi; i++) {
          const r = indices[i]!;
          if (r < 0 || r >= rows) throw new RangeError(`${op}: sparse.indices[${i}] = ${r} is out of range for table ${t} (${rows} rows)`);
          for (let j = 0; j < D; j++) acc[j] = acc[j]! + data[r * D + j]!;
        }
        const base = b * T * D + t * D;
        for (let j = 0; j < D; j++) pooled[base + j] = acc[j]!;
      }
    }
  }

  embeddingBagsBackward(args: {
    dPooled: Tensor; sparse: SparseBatchTensors; dRows: Tensor;
    batchSize: number; dim: number; numTables: number;
  }): void {
    const op = "embeddingBagsBackward";
    const { batchSize: B, dim: D, numTables: T } = args;
    ReferenceBackend.dims(op, { batchSize: B, dim: D, numTables: T });
    const dPooled = this.f32(op, "dPooled", args.dPooled, B * T * D);
    const view = this.unique(op, args.sparse, T, B);
    const dRows = this.f32(op, "dRows", args.dRows, view.numUnique * D);
    const { tableUniqueOffsets, csrOffsets, csrBags } = view;
    const acc = new Float64Array(D);
    for (let t = 0; t < T; t++) {
      for (let u = tableUniqueOffsets[t]!; u < tableUniqueOffsets[t + 1]!; u++) {
        acc.fill(0);
        for (let k = csrOffsets[u]!; k < csrOffsets[u + 1]!; k++) {
          const base = csrBags[k]! * T * D + t * D;
          for (let j = 0; j < D; j++) acc[j] = acc[j]! + dPooled[base + j]!;
        }
        for (let j = 0; j < D; j++) dRows[u * D + j] = acc[j]!;
      }
    }
  }

  // ---------------------------------------------------------------- interaction

  private interactionArgs(op: string, args: { x: Tensor; pooled: Tensor; batchSize: number; dim: number; numTables: number; op: InteractionOp; itself: boolean; precision?: Precision }) {
    const { batchSize: B, dim: D, numTables: T } = args;
    const bf16 = ReferenceBackend.precision(op, args.precision);
    ReferenceBackend.dims(op, { batchSize: B, dim: D, numTables: T });
    if (args.op !== "dot" && args.op !== "cat") throw new TypeError(`${op}: argument "op" must be "dot" or "cat", got ${String(args.op)}`);
    const F = T + 1;
    const width = args.op === "cat" ? F * D : D + dotPairs(F, args.itself);
    const x = this.f32(op, "x", args.x, B * D);
    const pooled = this.f32(op, "pooled", args.pooled, B * T * D);
    /** Operand rounding of the dot products: bf16 or the identity. */
    const r = bf16 ? roundToBf16 : (v: number): number => v;
    return { B, D, T, F, width, x, pooled, r };
  }

  interactionForward(args: {
    x: Tensor; pooled: Tensor; out: Tensor;
    batchSize: number; dim: number; numTables: number;
    op: InteractionOp; itself: boolean; precision?: Precision;
  }): void {
    const { B, D, T, F, width, x, pooled, r } = this.interactionArgs("interactionForward", args);
    const out = this.f32("interactionForward", "out", args.out, B * width);
    const z = (b: number, f: number, j: number): number => (f === 0 ? x[b * D + j]! : pooled[b * T * D + (f - 1) * D + j]!);
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
    x: Tensor; pooled: Tensor; dOut: Tensor; dX: Tensor; dPooled: Tensor;
    batchSize: number; dim: number; numTables: number;
    op: InteractionOp; itself: boolean; precision?: Precision;
  }): void {
    const op = "interactionBackward";
    const { B, D, T, F, width, x, pooled, r } = this.interactionArgs(op, args);
    const dOut = this.f32(op, "dOut", args.dOut, B * width);
    const dX = this.f32(op, "dX", args.dX, B * D);
    const dPooled = this.f32(op, "dPooled", args.dPooled, B * T * D);
    const z = (b: number, f: number, j: number): number => (f === 0 ? x[b * D + j]! : pooled[b * T * D + (f - 1) * D + j]!);
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

  private static lossArgs(op: string, batchSize: number, loss: LossFunction, threshold: number): void {
    ReferenceBackend.dims(op, { batchSize });
    if (loss !== "bce" && loss !== "mse") throw new TypeError(`${op}: argument "loss" must be "bce" or "mse", got ${String(loss)}`);
    if (!(threshold >= 0 && threshold < 0.5)) throw new RangeError(`${op}: argument "threshold" must be in [0, 0.5), got ${threshold}`);
  }

  /**
   * Per-sample probability and loss, in float64. With threshold t > 0, p = clamp(sigmoid(z), t, 1-t)
   * and the loss is plain BCE / MSE on that p; with t = 0, BCE comes straight from the logit:
   * log p = -softplus(-z), log(1 - p) = -softplus(z), each clamped at -100.
   */
  private static sampleLoss(z: number, y: number, loss: LossFunction, threshold: number): { p: number; loss: number; clamped: boolean } {
    const s = sigmoid(z);
    if (threshold > 0) {
      const p = Math.min(Math.max(s, threshold), 1 - threshold);
      const clamped = s < threshold || s > 1 - threshold;
      const l = loss === "mse"
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
    logits: Tensor; targets: Tensor; probs: Tensor; stats: Tensor;
    batchSize: number; loss: LossFunction; threshold: number;
  }): void {
    const op = "lossForward";
    const { batchSize: B, loss, threshold } = args;
    ReferenceBackend.lossArgs(op, B, loss, threshold);
    const logits = this.f32(op, "logits", args.logits, B);
    const targets = this.f32(op, "targets", args.targets, B);
    const probs = this.f32(op, "probs", args.probs, B);
    const stats = this.f32(op, "stats", args.stats, 3);
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
    logits: Tensor; targets: Tensor; dLogits: Tensor;
    batchSize: number; loss: LossFunction; threshold: number; meanOver?: number;
  }): void {
    const op = "lossBackward";
    const { batchSize: B, loss, threshold } = args;
    ReferenceBackend.lossArgs(op, B, loss, threshold);
    const M = meanOver(op, args.meanOver, B);
    const logits = this.f32(op, "logits", args.logits, B);
    const targets = this.f32(op, "targets", args.targets, B);
    const dLogits = this.f32(op, "dLogits", args.dLogits, B);
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
    const { lr, size } = args;
    ReferenceBackend.dims("sgdStep", { size });
    ReferenceBackend.finite("sgdStep", { lr });
    const param = this.f32("sgdStep", "param", args.param, size);
    const grad = this.f32("sgdStep", "grad", args.grad, size);
    for (let i = 0; i < size; i++) param[i] = param[i]! - lr * grad[i]!;
  }

  /** acc is stored as f32 first; the update uses that stored value (as torch does in f32). */
  adagradStep(args: { param: Tensor; grad: Tensor; acc: Tensor; lr: number; eps: number; size: number }): void {
    const { lr, eps, size } = args;
    ReferenceBackend.dims("adagradStep", { size });
    ReferenceBackend.finite("adagradStep", { lr, eps });
    const param = this.f32("adagradStep", "param", args.param, size);
    const grad = this.f32("adagradStep", "grad", args.grad, size);
    const acc = this.f32("adagradStep", "acc", args.acc, size);
    ReferenceBackend.adagradUpdate(param, 0, grad, 0, acc, 0, size, lr, eps);
  }

  /** Element-wise Adagrad on `n` elements at the given offsets of param, grad, acc. */
  private static adagradUpdate(param: Float32Array, po: number, grad: Float32Array, go: number, acc: Float32Array, ao: number, n: number, lr: number, eps: number): void {
    for (let i = 0; i < n; i++) {
      const g = grad[go + i]!;
      acc[ao + i] = acc[ao + i]! + g * g;
      param[po + i] = param[po + i]! - (lr * g) / (Math.sqrt(acc[ao + i]!) + eps);
    }
  }

  sparseSgdStep(args: {
    tables: readonly Tensor[]; sparse: SparseBatchTensors; dRows: Tensor;
    lr: number; dim: number; numTables: number;
  }): void {
    const op = "sparseSgdStep";
    const { lr, dim: D, numTables: T } = args;
    ReferenceBackend.dims(op, { dim: D, numTables: T });
    ReferenceBackend.finite(op, { lr });
    this.tableList(op, "tables", args.tables, T);
    const tables = args.tables.map((t, i) => this.tableData(op, `tables[${i}]`, t, D));
    const view = this.unique(op, args.sparse, T);
    const dRows = this.f32(op, "dRows", args.dRows, view.numUnique * D);
    this.forEachUniqueRow(op, view, tables, (t, u, r) => {
      const w = tables[t]!.data;
      for (let j = 0; j < D; j++) w[r * D + j] = w[r * D + j]! - lr * dRows[u * D + j]!;
    });
  }

  sparseAdagradStep(args: {
    tables: readonly Tensor[]; accs: readonly Tensor[]; sparse: SparseBatchTensors; dRows: Tensor;
    lr: number; eps: number; dim: number; numTables: number; rowWise: boolean;
  }): void {
    const op = "sparseAdagradStep";
    const { lr, eps, dim: D, numTables: T, rowWise } = args;
    ReferenceBackend.dims(op, { dim: D, numTables: T });
    ReferenceBackend.finite(op, { lr, eps });
    this.tableList(op, "tables", args.tables, T);
    this.tableList(op, "accs", args.accs, T);
    const tables = args.tables.map((t, i) => this.tableData(op, `tables[${i}]`, t, D));
    const accs = args.accs.map((a, i) => this.f32(op, `accs[${i}]`, a, tables[i]!.rows * (rowWise ? 1 : D)));
    const view = this.unique(op, args.sparse, T);
    const dRows = this.f32(op, "dRows", args.dRows, view.numUnique * D);
    this.forEachUniqueRow(op, view, tables, (t, u, r) => {
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

  /** Calls fn(table, slot, row) for every unique slot, checking each row is in its table. */
  private forEachUniqueRow(op: string, view: UniqueView, tables: readonly { rows: number }[], fn: (t: number, u: number, r: number) => void): void {
    for (let t = 0; t < tables.length; t++) {
      const rows = tables[t]!.rows;
      for (let u = view.tableUniqueOffsets[t]!; u < view.tableUniqueOffsets[t + 1]!; u++) {
        const r = view.uniqueRows[u]!;
        if (r < 0 || r >= rows) throw new RangeError(`${op}: sparse.uniqueRows[${u}] = ${r} is out of range for table ${t} (${rows} rows)`);
        fn(t, u, r);
      }
    }
  }

  /** Fill; an i32 tensor takes only integer values. */
  fill(args: { t: Tensor; value: number }): void {
    const data = this.get("fill", "t", args.t);
    if (data instanceof Int32Array && !Number.isInteger(args.value)) {
      throw new TypeError(`fill: argument "value" must be an integer for an i32 tensor, got ${args.value}`);
    }
    data.fill(args.value);
  }

  // ---------------------------------------------------------------- fused ops (same arithmetic as the unfused sequence)

  linearForward(args: {
    x: Tensor; weight: Tensor; bias: Tensor; y: Tensor;
    batchSize: number; inFeatures: number; outFeatures: number;
    activation: Activation; precision?: Precision;
  }): void {
    const { batchSize: B, inFeatures: K, outFeatures: N, activation } = args;
    const precision = ReferenceBackend.precision("linearForward", args.precision) ? "bf16" : "fp32";
    if (activation !== "none" && activation !== "relu") throw new TypeError(`linearForward: argument "activation" must be "none" or "relu", got ${String(activation)}`);
    this.gemm({ a: args.x, b: args.weight, c: args.y, m: B, n: N, k: K, transA: false, transB: true, alpha: 1, beta: 0, precision });
    this.biasAddForward({ y: args.y, bias: args.bias, rows: B, cols: N });
    if (activation === "relu") this.reluForward({ x: args.y, y: args.y, size: B * N });
  }

  fusedAdagradStep(args: {
    params: readonly Tensor[]; grads: readonly Tensor[]; accs: readonly Tensor[];
    lr: number; eps: number;
  }): void {
    const op = "fusedAdagradStep";
    if (!Array.isArray(args.params) || !Array.isArray(args.grads) || !Array.isArray(args.accs)) {
      throw new TypeError(`${op}: arguments "params", "grads" and "accs" must be arrays of tensors`);
    }
    const n = args.params.length;
    if (args.grads.length !== n || args.accs.length !== n) {
      throw new RangeError(`${op}: params (${n}), grads (${args.grads.length}) and accs (${args.accs.length}) must have the same length`);
    }
    for (let i = 0; i < n; i++) {
      const param = args.params[i]!;
      this.f32(op, `params[${i}]`, param, 0);
      this.f32(op, `grads[${i}]`, args.grads[i], param.size);
      this.f32(op, `accs[${i}]`, args.accs[i], param.size);
    }
    for (let i = 0; i < n; i++) {
      const param = args.params[i]!;
      this.adagradStep({ param, grad: args.grads[i]!, acc: args.accs[i]!, lr: args.lr, eps: args.eps, size: param.size });
    }
  }

  embeddingBagsBackwardSparseStep(args: {
    dPooled: Tensor; tables: readonly Tensor[]; accs?: readonly Tensor[];
    sparse: SparseBatchTensors; dRows: Tensor;
    lr: number; eps: number; batchSize: number; dim: number; numTables: number; rowWise: boolean;
  }): void {
    const { dPooled, tables, accs, sparse, dRows, lr, eps, batchSize, dim, numTables, rowWise } = args;
    this.embeddingBagsBackward({ dPooled, sparse, dRows, batchSize, dim, numTables });
    if (accs === undefined) this.sparseSgdStep({ tables, sparse, dRows, lr, dim, numTables });
    else this.sparseAdagradStep({ tables, accs, sparse, dRows, lr, eps, dim, numTables, rowWise });
  }
}
