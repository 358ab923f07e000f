/**
 * Shared by the embedding-bag and sparse-optimizer kernels: binding of the sparse batch
 * tensors and of the per-table embedding tensors (validateOp has checked them). Counts that
 * vary per step (NNZ, U) live on the device (offsets[T*B], tableUniqueOffsets[T]), so kernels
 * read them there and report bad data through the fault buffer (faults.ts); the host only
 * knows capacities (Umax = uniqueRows size, rows of each table). A table (or accumulator) split
 * by rows is handed to the kernels as row segments, one dispatch each.
 */
import type { SparseBatchTensors, Tensor } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";
import { DETAIL_WGSL, FAULT_WGSL, type FaultSite } from "../faults.js";
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

/** Binds the (validated) sparse tensors. */
export function bindSparse(ctx: GpuContext, op: string, sparse: SparseBatchTensors): BoundSparse {
  const bind = (f: keyof SparseBatchTensors): Bound => ctx.tensors.bind(sparse[f], op, `sparse.${f}`);
  return {
    indices: bind("indices"),
    offsets: bind("offsets"),
    uniqueRows: bind("uniqueRows"),
    tableUniqueOffsets: bind("tableUniqueOffsets"),
    csrOffsets: bind("csrOffsets"),
    csrBags: bind("csrBags"),
    uMax: sparse.uniqueRows.size,
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
      throw new RangeError(
        `${op}: argument '${arg}' is split across buffers at element ${c.firstElem}, not at a row of ${width} elements`,
      );
    }
    return { bound: c, firstRow: c.firstElem / width, rows: c.elems / width };
  });
}

/** Binds (validated) table `arg` (rows x dim, one buffer or several row ranges) and returns it with its row count. */
export function bindTable(ctx: GpuContext, op: string, arg: string, t: Tensor, dim: number): BoundTable {
  return { parts: partsOf(op, arg, ctx.tensors.chunks(t, op, arg), dim), rows: t.size / dim };
}

/** WGSL: the table t(u) owning unique slot u (linear scan of tableUniqueOffsets). */
export const TABLE_OF = `fn table_of(u: i32, nt: u32) -> u32 {
  var t = 0u;
  while (t + 1u < nt && tuo[t + 1u] <= u) { t++; }
  return t;
}
`;

/**
 * WGSL: the gradient of unique slot u, column j, summed over its bags in CSR order; a range
 * outside csrBags (p.ncsr entries) or a bag outside [0, B) is a fault (class 2 at slot u).
 */
export const CSR_GRAD = `fn csr_grad(u: i32, j: u32, t: u32) -> f32 {
  var s = 0.0;
  let width = p.nt * p.d;
  let lo = csr_off[u];
  let hi = csr_off[u + 1];
  if (lo < 0 || hi < lo || hi > i32(p.ncsr)) {
    if (j == 0u) { fault(2u, u32(u)); }
    return 0.0;
  }
  for (var k = lo; k < hi; k++) {
    let bag = u32(csr_bags[k]);
    if (bag < p.b) { s += dpooled[bag * width + t * p.d + j]; } else if (j == 0u) { fault(2u, u32(u)); }
  }
  return s;
}
`;

/**
 * WGSL: invocation 0 checks tableUniqueOffsets (starts at 0, never decreases, ends within
 * p.umax), as class 0 at the position or class 1.
 */
export const CHECK_TUO = `fn check_tuo() {
  if (tuo[0] != 0) { fault(0u, 0u); }
  for (var t = 1u; t <= p.nt; t++) { if (tuo[t] < tuo[t - 1u]) { fault(0u, t); } }
  if (tuo[p.nt] > i32(p.umax)) { fault(1u, 0u); }
}
`;

const BAG_DETAIL = () => `// embedding_bags_fault
${uniformStruct(["b: u32", "nt: u32", "seq: u32"])}${storage(1, "offsets", "i32")}${storage(2, "indices", "i32")}${FAULT_WGSL(3)}${DETAIL_WGSL}${main1d("embedding_bags_fault")}
  if (i > 0u || !mine()) { return; }
  let key = atomicLoad(&err[1]);
  let pos = key & 0x0fffffffu;
  switch (key >> 28u) {
    case 0u: { if (pos == 0u) { put(1u, offsets[0], 0, 0u, 0u); } else { put(2u, offsets[pos], offsets[pos - 1u], 0u, pos); } }
    case 1u: { put(3u, offsets[p.nt * p.b], 0, 0u, p.nt * p.b); }
    default: {
      var t = 0u;
      while (t + 1u < p.nt && offsets[(t + 1u) * p.b] <= i32(pos)) { t++; }
      put(4u, indices[pos], 0, t, pos);
    }
  }
}
`;

const UNIQUE_DETAIL = (csr: boolean) => () => `// sparse_unique_fault${csr ? " csr" : ""}
${uniformStruct(["b: u32", "nt: u32", "ncsr: u32", "seq: u32"])}${storage(1, "tuo", "i32")}${storage(2, "rows_u", "i32")}${csr ? storage(3, "csr_off", "i32") + storage(4, "csr_bags", "i32") : ""}${FAULT_WGSL(csr ? 5 : 3)}${DETAIL_WGSL}${TABLE_OF}${main1d("sparse_unique_fault")}
  if (i > 0u || !mine()) { return; }
  let key = atomicLoad(&err[1]);
  let pos = key & 0x0fffffffu;
  switch (key >> 28u) {
    case 0u: { if (pos == 0u) { put(5u, tuo[0], 0, 0u, 0u); } else { put(6u, tuo[pos], tuo[pos - 1u], 0u, pos); } }
    case 1u: { put(7u, tuo[p.nt], 0, 0u, p.nt); }
    default: {
      let u = i32(pos);
      let t = table_of(u, p.nt);
${
  csr
    ? `      let lo = csr_off[u];
      let hi = csr_off[u + 1];
      if (lo < 0 || hi < lo || hi > i32(p.ncsr)) { put(8u, hi, lo, t, pos); return; }
      for (var k = lo; k < hi; k++) {
        let bag = csr_bags[k];
        if (bag < 0 || u32(bag) >= p.b) { put(9u, bag, 0, t, u32(k)); return; }
      }
`
    : ""
}      put(10u, rows_u[u], 0, t, pos);
    }
  }
}
`;

/** Registers an op that checks sparse data with the fault buffer; returns its `seq` uniform. */
export function faultSite(ctx: GpuContext, site: FaultSite): number {
  return ctx.faults.site(site);
}

/** Records the detail kernel of a bag op (after its dispatches). */
export function bagFaultDetail(ctx: GpuContext, sp: BoundSparse, B: number, T: number, seq: number): void {
  const kernel = ctx.pipelines.kernel("embedding_bags_fault", 3, BAG_DETAIL);
  ctx.rec.dispatch(kernel, [sp.offsets, sp.indices, ctx.faults.bound], [B, T, seq], 1);
}

/** Records the detail kernel of a unique-slot op; `csr` when it reads the CSR map (bags checked against B). */
export function uniqueFaultDetail(
  ctx: GpuContext,
  sp: BoundSparse,
  B: number,
  T: number,
  ncsr: number,
  csr: boolean,
  seq: number,
): void {
  const kernel = ctx.pipelines.kernel(`sparse_unique_fault:${csr ? "csr" : "rows"}`, csr ? 5 : 3, UNIQUE_DETAIL(csr));
  const buffers = csr
    ? [sp.tableUniqueOffsets, sp.uniqueRows, sp.csrOffsets, sp.csrBags, ctx.faults.bound]
    : [sp.tableUniqueOffsets, sp.uniqueRows, ctx.faults.bound];
  ctx.rec.dispatch(kernel, buffers, [B, T, ncsr, seq], 1);
}
