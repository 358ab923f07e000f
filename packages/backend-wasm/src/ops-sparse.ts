/**
 * Sparse ops of the contract on the wasm kernels: embedding bags forward/backward, sparse
 * SGD/Adagrad on unique rows, and the fused backward + sparse step. Arguments arrive checked
 * by core's `validateOp`; tables are passed as descriptors (weights offset, rows, accumulator
 * offset). The kernels range-check every device-side index and return a status; a non-zero
 * status is turned into core's fault error by running core's sparse rules on the memory.
 */
import {
  findBagFault,
  findUniqueFault,
  sparseFaultError,
  type BackendOps,
  type FusedOps,
  type SparseBatchTensors,
  type SparseFault,
  type Tensor,
} from "@dlrm/core";
import type { OpContext } from "./context.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];
type FusedArgs<K extends keyof FusedOps> = Parameters<NonNullable<FusedOps[K]>>[0];

/** The i32 contents of a tensor, as a view of linear memory. */
function view(ctx: OpContext, t: Tensor): Int32Array {
  const start = ctx.registry.offset(t) / 4;
  return ctx.arena.i32.subarray(start, start + t.size);
}

/** Throws core's error for a non-zero kernel status: the fault `find` locates in memory. */
function check(op: string, status: number, find: () => SparseFault | undefined): void {
  if (status === 0) return;
  const fault = find();
  throw fault === undefined
    ? new RangeError(`${op}: the sparse batch is invalid (kernel status ${status})`)
    : sparseFaultError(op, fault);
}

/** Descriptor words (weights offset, rows, accumulator offset) of T tables of D columns. */
function tableWords(ctx: OpContext, tables: readonly Tensor[], d: number, accs?: readonly Tensor[]): number[] {
  return tables.flatMap((table, t) => [
    ctx.registry.offset(table),
    table.size / d,
    accs === undefined ? 0 : ctx.registry.offset(accs[t]!),
  ]);
}

/** The unique-slot view core's rules read (with the CSR map when `csr`). */
function uniqueView(ctx: OpContext, s: SparseBatchTensors, csr: boolean) {
  const base = { tableUniqueOffsets: view(ctx, s.tableUniqueOffsets), uniqueRows: view(ctx, s.uniqueRows) };
  return csr ? { ...base, csrOffsets: view(ctx, s.csrOffsets), csrBags: view(ctx, s.csrBags) } : base;
}

const rowsOf = (tables: readonly Tensor[], d: number): number[] => tables.map((t) => t.size / d);

/** pooled[b, t*D + j] = sum over bag (t, b) of w_t[indices[i]] tables[t][indices[i], j] (w_t = 1 without rowWeights). */
export function embeddingBagsForward(ctx: OpContext, args: Args<"embeddingBagsForward">): void {
  const { batchSize: b, dim: d, sparse: s, rowWeights } = args;
  const t = args.tables.length;
  const status = ctx.kernels.embeddingBagsForward(
    ctx.descriptors(tableWords(ctx, args.tables, d, rowWeights)),
    t,
    ctx.registry.offset(s.indices),
    s.indices.size,
    ctx.registry.offset(s.offsets),
    ctx.registry.offset(args.pooled),
    b,
    d,
    rowWeights === undefined ? 0 : 1,
  );
  check("embeddingBagsForward", status, () =>
    findBagFault(view(ctx, s.offsets), view(ctx, s.indices), s.indices.size, t, b, rowsOf(args.tables, d)),
  );
}

/**
 * dRows[u, j] = G[u, j] = sum over bags b in csr(u) of dPooled[b, t(u)*D + j], u < U; with
 * rowWeights, dRows[u] = w_t[r] G[u] and dRowWeights[u] = G[u] . tables[t][r].
 */
export function embeddingBagsBackward(ctx: OpContext, args: Args<"embeddingBagsBackward">): void {
  const { batchSize: b, dim: d, numTables: t, sparse: s, tables, rowWeights, dRowWeights } = args;
  const r = ctx.registry;
  const weighted = tables !== undefined && rowWeights !== undefined && dRowWeights !== undefined;
  const status = ctx.kernels.embeddingBagsBackward(
    r.offset(args.dPooled),
    r.offset(s.tableUniqueOffsets),
    s.uniqueRows.size,
    r.offset(s.csrOffsets),
    r.offset(s.csrBags),
    s.csrBags.size,
    r.offset(args.dRows),
    b,
    d,
    t,
    weighted ? ctx.descriptors(tableWords(ctx, tables, d, rowWeights)) : 0,
    weighted ? r.offset(s.uniqueRows) : 0,
    weighted ? r.offset(dRowWeights) : 0,
  );
  check("embeddingBagsBackward", status, () =>
    findUniqueFault(uniqueView(ctx, s, true), t, b, weighted ? rowsOf(tables, d) : undefined),
  );
}

/** tables[t][uniqueRows[u], j] -= lr * dRows[u, j]. */
export function sparseSgdStep(ctx: OpContext, args: Args<"sparseSgdStep">): void {
  const { dim: d, numTables: t, sparse: s } = args;
  const r = ctx.registry;
  const status = ctx.kernels.sparseSgdStep(
    ctx.descriptors(tableWords(ctx, args.tables, d)),
    t,
    r.offset(s.uniqueRows),
    r.offset(s.tableUniqueOffsets),
    s.uniqueRows.size,
    r.offset(args.dRows),
    args.lr,
    d,
  );
  check("sparseSgdStep", status, () =>
    findUniqueFault(uniqueView(ctx, s, false), t, undefined, rowsOf(args.tables, d)),
  );
}

/** Sparse Adagrad (element-wise or row-wise) on the unique rows. */
export function sparseAdagradStep(ctx: OpContext, args: Args<"sparseAdagradStep">): void {
  const { dim: d, numTables: t, sparse: s } = args;
  const r = ctx.registry;
  const status = ctx.kernels.sparseAdagradStep(
    ctx.descriptors(tableWords(ctx, args.tables, d, args.accs)),
    t,
    r.offset(s.uniqueRows),
    r.offset(s.tableUniqueOffsets),
    s.uniqueRows.size,
    r.offset(args.dRows),
    args.lr,
    args.eps,
    d,
    args.rowWise ? 1 : 0,
  );
  check("sparseAdagradStep", status, () =>
    findUniqueFault(uniqueView(ctx, s, false), t, undefined, rowsOf(args.tables, d)),
  );
}

/** Backward per unique row fused with the sparse SGD (no accs) or Adagrad step. */
export function embeddingBagsBackwardSparseStep(
  ctx: OpContext,
  args: FusedArgs<"embeddingBagsBackwardSparseStep">,
): void {
  const { batchSize: b, dim: d, numTables: t, sparse: s } = args;
  const r = ctx.registry;
  const mode = args.accs === undefined ? 0 : args.rowWise ? 2 : 1;
  const status = ctx.kernels.embeddingBagsBackwardSparseStep(
    r.offset(args.dPooled),
    ctx.descriptors(tableWords(ctx, args.tables, d, args.accs)),
    t,
    r.offset(s.uniqueRows),
    r.offset(s.tableUniqueOffsets),
    s.uniqueRows.size,
    r.offset(s.csrOffsets),
    r.offset(s.csrBags),
    s.csrBags.size,
    r.offset(args.dRows),
    args.lr,
    args.eps,
    b,
    d,
    mode,
  );
  check("embeddingBagsBackwardSparseStep", status, () =>
    findUniqueFault(uniqueView(ctx, s, true), t, b, rowsOf(args.tables, d)),
  );
}
