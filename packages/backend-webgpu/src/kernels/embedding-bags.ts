/**
 * `embeddingBagsForward` (one dispatch per table, or per (table, buffer) for a table split by
 * rows: an invocation per (bag, column) sums the bag's rows of that buffer in bag order, later
 * buffers adding to the earlier ones' partial sum) and `embeddingBagsBackward` (one dispatch: an
 * invocation per (unique slot, column) sums dPooled over the slot's bags through the CSR inverse
 * map). No atomics in the sums; deterministic. Bad offsets, indices, unique offsets or CSR
 * entries are refused through the fault buffer (faults.ts), never skipped. With rowWeights the
 * forward scales each row by its weight, and the backward adds one dispatch per table: an
 * invocation per unique slot writes dRowWeights (G . row) then scales its G by the weight.
 * WGSL entry points: embeddingBagsForward, embeddingBagsBackward.
 */
import type { BackendOps } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";
import { FAULT_WGSL } from "../faults.js";
import {
  CHECK_TUO,
  CSR_GRAD,
  TABLE_OF,
  bagFaultDetail,
  bindSparse,
  bindTable,
  faultSite,
  uniqueFaultDetail,
} from "./sparse-common.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

const FORWARD = (weighted: boolean) => () => `// embeddingBagsForward${weighted ? " weighted" : ""}
${uniformStruct(["b: u32", "d: u32", "nt: u32", "t: u32", "lo: u32", "hi: u32", "accum: u32", "rows: u32", "nnz: u32", "seq: u32"])}${storage(1, "table", "f32")}${storage(2, "indices", "i32")}${storage(3, "offsets", "i32")}${storage(4, "pooled", "f32")}${weighted ? storage(5, "weights", "f32") : ""}${FAULT_WGSL(weighted ? 6 : 5)}${main1d("embeddingBagsForward")}
  if (i >= p.b * p.d) { return; }
  let bag = i / p.d;
  let j = i % p.d;
  let slot = p.t * p.b + bag;
  let out = bag * p.nt * p.d + p.t * p.d + j;
  let check = p.accum == 0u && j == 0u;
  let lo = offsets[slot];
  let hi = offsets[slot + 1u];
  if (check) {
    if (slot == 0u && lo != 0) { fault(0u, 0u); }
    if (hi < lo) { fault(0u, slot + 1u); }
    if (slot + 1u == p.nt * p.b && hi > i32(p.nnz)) { fault(1u, 0u); }
  }
  var s = 0.0;
  if (p.accum != 0u) { s = pooled[out]; }
  for (var k = max(lo, 0); k < min(hi, i32(p.nnz)); k++) {
    let v = indices[k];
    if (v < 0 || u32(v) >= p.rows) {
      if (check) { fault(2u, u32(k)); }
      continue;
    }
    let r = u32(v);
    if (r >= p.lo && r < p.hi) { s += ${weighted ? "weights[r] * " : ""}table[(r - p.lo) * p.d + j]; }
  }
  pooled[out] = s;
}
`;

const BACKWARD = () => `// embeddingBagsBackward
${uniformStruct(["b: u32", "d: u32", "nt: u32", "umax: u32", "ncsr: u32", "seq: u32"])}${storage(1, "dpooled", "f32")}${storage(2, "tuo", "i32")}${storage(3, "csr_off", "i32")}${storage(4, "csr_bags", "i32")}${storage(5, "drows", "f32")}${FAULT_WGSL(6)}${TABLE_OF}${CSR_GRAD}${CHECK_TUO}${main1d("embeddingBagsBackward")}
  if (i >= p.umax * p.d) { return; }
  if (i == 0u) { check_tuo(); }
  let u = i32(i / p.d);
  let j = i % p.d;
  if (u >= tuo[p.nt]) { return; }
  drows[u32(u) * p.d + j] = csr_grad(u, j, table_of(u, p.nt));
}
`;

/**
 * The weighted backward's second pass over table p.t (after BACKWARD wrote G into drows): for
 * each unique slot u of the table, r = uniqueRows[u]: drw[u] = G[u] . table[r], then
 * drows[u] = weights[r] G[u]. A row outside the table is a fault (class 2 at slot u).
 */
const WEIGHTED_ROWS = () => `// embeddingBagsBackward weighted rows
${uniformStruct(["d: u32", "t: u32", "rows: u32", "umax: u32", "seq: u32"])}${storage(1, "tuo", "i32")}${storage(2, "rows_u", "i32")}${storage(3, "table", "f32")}${storage(4, "weights", "f32")}${storage(5, "drows", "f32")}${storage(6, "drw", "f32")}${FAULT_WGSL(7)}${main1d("embeddingBagsBackward")}
  if (i >= p.umax) { return; }
  let u = tuo[p.t] + i32(i);
  if (u < 0 || u >= tuo[p.t + 1u] || u >= i32(p.umax)) { return; }
  let uu = u32(u);
  if (rows_u[u] < 0 || u32(rows_u[u]) >= p.rows) { fault(2u, uu); return; }
  let r = u32(rows_u[u]);
  var dot = 0.0;
  for (var j = 0u; j < p.d; j++) { dot += drows[uu * p.d + j] * table[r * p.d + j]; }
  drw[uu] = dot;
  let s = weights[r];
  for (var j = 0u; j < p.d; j++) { drows[uu * p.d + j] = s * drows[uu * p.d + j]; }
}
`;

/**
 * pooled[b, t*D + j] = sum of w_t[r] tables[t][r, j] over the rows r of bag (t, b) (w_t = 1
 * without rowWeights; each rowWeights tensor must be one buffer); overwrite. A split table
 * sums buffer by buffer (rows of the first buffer in bag order, then the second's, ...): a fixed
 * order, so still deterministic, but not the unsplit order.
 */
export function embeddingBagsForward(ctx: GpuContext, args: Args<"embeddingBagsForward">): void {
  const op = "embeddingBagsForward";
  const { batchSize: B, dim: D } = args;
  const tables = args.tables.map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const T = tables.length;
  const sp = bindSparse(ctx, op, args.sparse);
  const pooled = ctx.tensors.bind(args.pooled, op, "pooled");
  const nnz = args.sparse.indices.size;
  const seq = faultSite(ctx, { op, rows: tables.map((t) => t.rows), capacity: nnz });
  const weights = args.rowWeights?.map((w, i) => ctx.tensors.bind(w, op, `rowWeights[${i}]`));
  const kernel =
    weights === undefined
      ? ctx.pipelines.kernel("embeddingBagsForward", 5, FORWARD(false))
      : ctx.pipelines.kernel("embeddingBagsForward:weighted", 6, FORWARD(true));
  tables.forEach((table, t) => {
    table.parts.forEach((part, c) => {
      const uniforms = [B, D, T, t, part.firstRow, part.firstRow + part.rows, c === 0 ? 0 : 1, table.rows, nnz, seq];
      const buffers = [part.bound, sp.indices, sp.offsets, pooled, ...(weights === undefined ? [] : [weights[t]!])];
      ctx.rec.dispatch1d(kernel, [...buffers, ctx.faults.bound], uniforms, B * D);
    });
  });
  bagFaultDetail(ctx, sp, B, T, seq);
  ctx.rec.endOp();
}

/**
 * G[u, j] = sum over bags b of u of dPooled[b, t(u)*D + j], u < U; dRows[u] = G[u], or with
 * rowWeights (r = uniqueRows[u]) dRows[u] = w_t[r] G[u] and dRowWeights[u] = G[u] . tables[t][r]
 * (the tables and weight vectors each one buffer); overwrite, rows >= U untouched.
 */
export function embeddingBagsBackward(ctx: GpuContext, args: Args<"embeddingBagsBackward">): void {
  const op = "embeddingBagsBackward";
  const { batchSize: B, dim: D, numTables: T } = args;
  const sp = bindSparse(ctx, op, args.sparse);
  const [dPooled, dRows] = ctx.tensors.bindArgs(op, args, "dPooled", "dRows");
  const ncsr = args.sparse.csrBags.size;
  const tables = args.tables?.map((t, i) => ctx.tensors.bind(t, op, `tables[${i}]`));
  const weights = args.rowWeights?.map((w, i) => ctx.tensors.bind(w, op, `rowWeights[${i}]`));
  const dRowWeights =
    args.dRowWeights === undefined ? undefined : ctx.tensors.bind(args.dRowWeights, op, "dRowWeights");
  const rows = args.tables?.map((t) => t.size / D);
  const seq = faultSite(ctx, { op, capacity: sp.uMax, batchSize: B, ...(rows === undefined ? {} : { rows }) });
  const kernel = ctx.pipelines.kernel("embeddingBagsBackward", 6, BACKWARD);
  const buffers = [dPooled, sp.tableUniqueOffsets, sp.csrOffsets, sp.csrBags, dRows, ctx.faults.bound];
  ctx.rec.dispatch1d(kernel, buffers, [B, D, T, sp.uMax, ncsr, seq], sp.uMax * D);
  if (tables !== undefined && weights !== undefined && dRowWeights !== undefined && rows !== undefined) {
    const second = ctx.pipelines.kernel("embeddingBagsBackward:weighted", 7, WEIGHTED_ROWS);
    tables.forEach((table, t) => {
      const bound = [sp.tableUniqueOffsets, sp.uniqueRows, table, weights[t]!, dRows, dRowWeights, ctx.faults.bound];
      ctx.rec.dispatch1d(second, bound, [D, t, rows[t]!, sp.uMax, seq], Math.max(1, sp.uMax));
    });
  }
  uniqueFaultDetail(ctx, sp, B, T, ncsr, true, seq);
  ctx.rec.endOp();
}
