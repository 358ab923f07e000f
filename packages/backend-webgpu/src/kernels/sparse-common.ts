/**
 * Shared by the embedding-bag and sparse-optimizer kernels: validation of the sparse batch
 * tensors and of the per-table embedding tensors. Counts that vary per step (NNZ, U) live on
 * the device (offsets[T*B], tableUniqueOffsets[T]), so kernels read them there; the host only
 * knows capacities (Umax = dRows rows, rows of each table). A table (or accumulator) split
 * by rows is handed to the kernels as row segments, one dispatch each.
 */
import type { SparseBatchTensors, Tensor } from "@dlrm/core";
import type { GpuContext } from "../context.js";
import type { Bound, Chunk } from "../tensors.js";

/** The bound sparse tensors of one batch. */
export interface BoundSparse {
  readonly indices: Bound;
  readonly offsets: Bound;
  readonly uniqueRows: Bound;
  readonly tableUniqueOffsets: Bound;
  readonly csrOffsets: Bound;
  readonly csrBags: Bound;
  /** Capacity of the unique-slot buffers (Umax). */
  readonly uMax: number;
}

/** Binds and size-checks the sparse tensors for T tables and B bags per table. */
export function bindSparse(ctx: GpuContext, op: string, sparse: SparseBatchTensors | undefined, numTables: number, batchSize: number): BoundSparse {
  if (sparse === undefined || sparse === null || typeof sparse !== "object") throw new TypeError(`${op}: argument 'sparse' is missing`);
  const r = ctx.tensors;
  const uniqueRows = r.bind(sparse.uniqueRows, op, "sparse.uniqueRows", "i32", 0);
  const uMax = sparse.uniqueRows.size;
  return {
    indices: r.bind(sparse.indices, op, "sparse.indices", "i32", 0),
    offsets: r.bind(sparse.offsets, op, "sparse.offsets", "i32", numTables * batchSize + 1),
    uniqueRows,
    tableUniqueOffsets: r.bind(sparse.tableUniqueOffsets, op, "sparse.tableUniqueOffsets", "i32", numTables + 1),
    csrOffsets: r.bind(sparse.csrOffsets, op, "sparse.csrOffsets", "i32", uMax + 1),
    csrBags: r.bind(sparse.csrBags, op, "sparse.csrBags", "i32", 0),
    uMax,
  };
}

/** One buffer of a table: rows [firstRow, firstRow + rows) of the table. */
export interface TablePart {
  readonly bound: Bound;
  readonly firstRow: number;
  readonly rows: number;
}

/** A table's buffers and its row count. */
export interface BoundTable {
  readonly parts: readonly TablePart[];
  readonly rows: number;
}

/** The chunks of a tensor as parts of `width` elements per row; throws when a chunk splits a row. */
export function partsOf(op: string, arg: string, chunks: readonly Chunk[], width: number): TablePart[] {
  return chunks.map((c) => {
    if (c.firstElem % width !== 0 || c.elems % width !== 0) {
      throw new RangeError(`${op}: argument '${arg}' is split across buffers at element ${c.firstElem}, not at a row of ${width} elements`);
    }
    return { bound: c, firstRow: c.firstElem / width, rows: c.elems / width };
  });
}

/** Binds table `i` (rows x dim, f32, one buffer or several row ranges) and returns it with its row count. */
export function bindTable(ctx: GpuContext, op: string, arg: string, t: Tensor | undefined, dim: number): BoundTable {
  const entry = ctx.tensors.get(t, op, arg);
  if (entry.tensor.dtype !== "f32") throw new TypeError(`${op}: argument '${arg}' must be f32, got ${entry.tensor.dtype}`);
  if (dim === 0 || entry.tensor.size % dim !== 0) throw new RangeError(`${op}: argument '${arg}' has ${entry.tensor.size} elements, not a multiple of dim ${dim}`);
  return { parts: partsOf(op, arg, entry.chunks, dim), rows: entry.tensor.size / dim };
}

/** WGSL: the table t(u) owning unique slot u (linear scan of tableUniqueOffsets). */
export const TABLE_OF = `fn table_of(u: i32, nt: u32) -> u32 {
  var t = 0u;
  while (t + 1u < nt && tuo[t + 1u] <= u) { t++; }
  return t;
}
`;

/** WGSL: the gradient of unique slot u, column j, summed over its bags in CSR order. */
export const CSR_GRAD = `fn csr_grad(u: i32, j: u32, t: u32) -> f32 {
  var s = 0.0;
  let width = p.nt * p.d;
  for (var k = csr_off[u]; k < csr_off[u + 1]; k++) {
    let bag = u32(csr_bags[k]);
    if (bag < p.b) { s += dpooled[bag * width + t * p.d + j]; }
  }
  return s;
}
`;
