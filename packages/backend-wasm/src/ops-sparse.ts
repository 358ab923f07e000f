/**
 * Sparse ops of the contract on the wasm kernels: embedding bags forward/backward, sparse
 * SGD/Adagrad on unique rows, and the fused backward + sparse step. Tables are passed as
 * descriptors (weights offset, rows, accumulator offset); the kernels range-check every
 * device-side index and return a status that becomes a RangeError here.
 */
import type { BackendOps, FusedOps, SparseBatchTensors, Tensor } from "@dlrm/core";
import type { OpContext } from "./context.js";
import { SPARSE_STATUS } from "./kernels.js";
import { count, dim, finite } from "./registry.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** Turns a kernel status into an error naming the op. */
function check(op: string, status: number): void {
  if (status !== 0) throw new RangeError(`${op}: ${SPARSE_STATUS[status] ?? `kernel status ${status}`}`);
}

/**
 * Descriptor words for T tables of D columns (and their accumulators when given:
 * rows x D element-wise, rows x 1 row-wise). Checks dtypes and that sizes are whole rows.
 */
function tableWords(
  ctx: OpContext, op: string, tables: readonly Tensor[], d: number, numTables: number,
  accs?: readonly Tensor[], rowWise = false,
): number[] {
  if (tables.length !== numTables) throw new RangeError(`${op}: expected ${numTables} tables, got ${tables.length}`);
  if (accs !== undefined && accs.length !== numTables) throw new RangeError(`${op}: expected ${numTables} accs, got ${accs.length}`);
  const words: number[] = [];
  tables.forEach((table, t) => {
    const offset = ctx.registry.offset(table, op, `tables[${t}]`, "f32", 0);
    if (d === 0 || table.size % d !== 0) throw new RangeError(`${op}: tables[${t}] has ${table.size} elements, not a whole number of rows of ${d}`);
    const rows = table.size / d;
    const acc = accs === undefined ? 0 : ctx.registry.offset(accs[t], op, `accs[${t}]`, "f32", rowWise ? rows : rows * d);
    words.push(offset, rows, acc);
  });
  return words;
}

/** Offsets of the sparse batch's tensors, checked for dtype and minimum length. */
function sparseOffsets(ctx: OpContext, op: string, sparse: SparseBatchTensors, batch: number, numTables: number) {
  const r = ctx.registry;
  const uniqueMax = r.get(sparse.uniqueRows, op, "sparse.uniqueRows").tensor.size;
  const indices = r.get(sparse.indices, op, "sparse.indices").tensor.size;
  const csrBags = r.get(sparse.csrBags, op, "sparse.csrBags").tensor.size;
  return {
    uniqueMax,
    nnzMax: indices,
    csrNnzMax: csrBags,
    indices: r.offset(sparse.indices, op, "sparse.indices", "i32", 0),
    offsets: r.offset(sparse.offsets, op, "sparse.offsets", "i32", count(op, numTables, batch) + 1),
    uniqueRows: r.offset(sparse.uniqueRows, op, "sparse.uniqueRows", "i32", 0),
    tableUniqueOffsets: r.offset(sparse.tableUniqueOffsets, op, "sparse.tableUniqueOffsets", "i32", numTables + 1),
    csrOffsets: r.offset(sparse.csrOffsets, op, "sparse.csrOffsets", "i32", uniqueMax + 1),
    csrBags: r.offset(sparse.csrBags, op, "sparse.csrBags", "i32", 0),
  };
}

/** pooled[b, t*D + j] = sum over bag (t, b) of tables[t][indices[i], j]. */
export function embeddingBagsForward(ctx: OpContext, args: Args<"embeddingBagsForward">): void {
  const op = "embeddingBagsForward";
  const b = dim(op, "batchSize", args.batchSize), d = dim(op, "dim", args.dim, 1);
  const t = args.tables.length;
  const words = tableWords(ctx, op, args.tables, d, t);
  const s = sparseOffsets(ctx, op, args.sparse, b, t);
  const pooled = ctx.registry.offset(args.pooled, op, "pooled", "f32", count(op, b, t, d));
  check(op, ctx.kernels.embeddingBagsForward(ctx.descriptors(words), t, s.indices, s.nnzMax, s.offsets, pooled, b, d));
}

/** dRows[u, j] = sum over bags b in csr(u) of dPooled[b, t(u)*D + j], u < U. */
export function embeddingBagsBackward(ctx: OpContext, args: Args<"embeddingBagsBackward">): void {
  const op = "embeddingBagsBackward";
  const b = dim(op, "batchSize", args.batchSize), d = dim(op, "dim", args.dim, 1), t = dim(op, "numTables", args.numTables);
  const s = sparseOffsets(ctx, op, args.sparse, b, t);
  const dPooled = ctx.registry.offset(args.dPooled, op, "dPooled", "f32", count(op, b, t, d));
  const dRows = ctx.registry.offset(args.dRows, op, "dRows", "f32", count(op, s.uniqueMax, d));
  check(op, ctx.kernels.embeddingBagsBackward(dPooled, s.tableUniqueOffsets, s.uniqueMax, s.csrOffsets, s.csrBags, s.csrNnzMax, dRows, b, d, t));
}

/** tables[t][uniqueRows[u], j] -= lr * dRows[u, j]. */
export function sparseSgdStep(ctx: OpContext, args: Args<"sparseSgdStep">): void {
  const op = "sparseSgdStep";
  const d = dim(op, "dim", args.dim, 1), t = dim(op, "numTables", args.numTables);
  const words = tableWords(ctx, op, args.tables, d, t);
  const s = sparseOffsets(ctx, op, args.sparse, 0, t);
  const dRows = ctx.registry.offset(args.dRows, op, "dRows", "f32", count(op, s.uniqueMax, d));
  const lr = finite(op, "lr", args.lr);
  check(op, ctx.kernels.sparseSgdStep(ctx.descriptors(words), t, s.uniqueRows, s.tableUniqueOffsets, s.uniqueMax, dRows, lr, d));
}

/** Sparse Adagrad (element-wise or row-wise) on the unique rows. */
export function sparseAdagradStep(ctx: OpContext, args: Args<"sparseAdagradStep">): void {
  const op = "sparseAdagradStep";
  const d = dim(op, "dim", args.dim, 1), t = dim(op, "numTables", args.numTables);
  const words = tableWords(ctx, op, args.tables, d, t, args.accs, args.rowWise);
  const s = sparseOffsets(ctx, op, args.sparse, 0, t);
  const dRows = ctx.registry.offset(args.dRows, op, "dRows", "f32", count(op, s.uniqueMax, d));
  const lr = finite(op, "lr", args.lr), eps = finite(op, "eps", args.eps);
  check(op, ctx.kernels.sparseAdagradStep(ctx.descriptors(words), t, s.uniqueRows, s.tableUniqueOffsets, s.uniqueMax, dRows, lr, eps, d, args.rowWise ? 1 : 0));
}

/** Backward per unique row fused with the sparse SGD (no accs) or Adagrad step. */
export function embeddingBagsBackwardSparseStep(ctx: OpContext, args: FusedArgs<"embeddingBagsBackwardSparseStep">): void {
  const op = "embeddingBagsBackwardSparseStep";
  const b = dim(op, "batchSize", args.batchSize), d = dim(op, "dim", args.dim, 1), t = dim(op, "numTables", args.numTables);
  const words = tableWords(ctx, op, args.tables, d, t, args.accs, args.rowWise);
  const s = sparseOffsets(ctx, op, args.sparse, b, t);
  const dPooled = ctx.registry.offset(args.dPooled, op, "dPooled", "f32", count(op, b, t, d));
  const dRows = ctx.registry.offset(args.dRows, op, "dRows", "f32", count(op, s.uniqueMax, d));
  const lr = finite(op, "lr", args.lr), eps = finite(op, "eps", args.eps);
  const mode = args.accs === undefined ? 0 : args.rowWise ? 2 : 1;
  check(op, ctx.kernels.embeddingBagsBackwardSparseStep(
    dPooled, ctx.descriptors(words), t, s.uniqueRows, s.tableUniqueOffsets, s.uniqueMax,
    s.csrOffsets, s.csrBags, s.csrNnzMax, dRows, lr, eps, b, d, mode,
  ));
}
