/**
 * `embeddingBagsForward` (one dispatch per table, or per (table, buffer) for a table split by
 * rows: an invocation per (bag, column) sums the bag's rows of that buffer in bag order, later
 * buffers adding to the earlier ones' partial sum) and `embeddingBagsBackward` (one dispatch: an
 * invocation per (unique slot, column) sums dPooled over the slot's bags through the CSR inverse
 * map). No atomics in the sums; deterministic. Bad offsets, indices, unique offsets or CSR
 * entries are refused through the fault buffer (faults.ts), never skipped.
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

const FORWARD = () => `// embeddingBagsForward
${uniformStruct(["b: u32", "d: u32", "nt: u32", "t: u32", "lo: u32", "hi: u32", "accum: u32", "rows: u32", "nnz: u32", "seq: u32"])}${storage(1, "table", "f32")}${storage(2, "indices", "i32")}${storage(3, "offsets", "i32")}${storage(4, "pooled", "f32")}${FAULT_WGSL(5)}${main1d("embeddingBagsForward")}
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
    if (r >= p.lo && r < p.hi) { s += table[(r - p.lo) * p.d + j]; }
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
 * pooled[b, t*D + j] = sum of tables[t][indices[i], j] over bag (t, b); overwrite. A split table
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
  const kernel = ctx.pipelines.kernel("embeddingBagsForward", 5, FORWARD);
  tables.forEach((table, t) => {
    table.parts.forEach((part, c) => {
      const uniforms = [B, D, T, t, part.firstRow, part.firstRow + part.rows, c === 0 ? 0 : 1, table.rows, nnz, seq];
      ctx.rec.dispatch1d(kernel, [part.bound, sp.indices, sp.offsets, pooled, ctx.faults.bound], uniforms, B * D);
    });
  });
  bagFaultDetail(ctx, sp, B, T, seq);
  ctx.rec.endOp();
}

/** dRows[u, j] = sum over bags b of u of dPooled[b, t(u)*D + j], u < U; overwrite, rows >= U untouched. */
export function embeddingBagsBackward(ctx: GpuContext, args: Args<"embeddingBagsBackward">): void {
  const op = "embeddingBagsBackward";
  const { batchSize: B, dim: D, numTables: T } = args;
  const sp = bindSparse(ctx, op, args.sparse);
  const [dPooled, dRows] = ctx.tensors.bindArgs(op, args, "dPooled", "dRows");
  const ncsr = args.sparse.csrBags.size;
  const seq = faultSite(ctx, { op, capacity: sp.uMax, batchSize: B });
  const kernel = ctx.pipelines.kernel("embeddingBagsBackward", 6, BACKWARD);
  const buffers = [dPooled, sp.tableUniqueOffsets, sp.csrOffsets, sp.csrBags, dRows, ctx.faults.bound];
  ctx.rec.dispatch1d(kernel, buffers, [B, D, T, sp.uMax, ncsr, seq], sp.uMax * D);
  uniqueFaultDetail(ctx, sp, B, T, ncsr, true, seq);
  ctx.rec.endOp();
}
