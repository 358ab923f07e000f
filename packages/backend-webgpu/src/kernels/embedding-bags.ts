/**
 * `embeddingBagsForward` (one dispatch per table, or per (table, buffer) for a table split by
 * rows: an invocation per (bag, column) sums the bag's rows of that buffer in bag order, later
 * buffers adding to the earlier ones' partial sum) and `embeddingBagsBackward` (one dispatch: an invocation per (unique
 * slot, column) sums dPooled over the slot's bags through the CSR inverse map). No atomics;
 * deterministic. WGSL entry points: embeddingBagsForward, embeddingBagsBackward.
 */
import type { BackendOps } from "@dlrm/core";
import { main1d, storage, uniformStruct, type GpuContext } from "../context.js";
import { dim, tensorList } from "../tensors.js";
import { CSR_GRAD, TABLE_OF, bindSparse, bindTable } from "./sparse-common.js";

type Args<K extends keyof BackendOps> = Parameters<BackendOps[K]>[0];

const FORWARD = () => `// embeddingBagsForward
${uniformStruct(["b: u32", "d: u32", "nt: u32", "t: u32", "lo: u32", "hi: u32", "accum: u32"])}${storage(1, "table", "f32")}${storage(2, "indices", "i32")}${storage(3, "offsets", "i32")}${storage(4, "pooled", "f32")}${main1d("embeddingBagsForward")}
  if (i >= p.b * p.d) { return; }
  let bag = i / p.d;
  let j = i % p.d;
  let slot = p.t * p.b + bag;
  let out = bag * p.nt * p.d + p.t * p.d + j;
  var s = 0.0;
  if (p.accum != 0u) { s = pooled[out]; }
  for (var k = offsets[slot]; k < offsets[slot + 1u]; k++) {
    let r = u32(indices[k]);
    if (r >= p.lo && r < p.hi) { s += table[(r - p.lo) * p.d + j]; }
  }
  pooled[out] = s;
}
`;

const BACKWARD = () => `// embeddingBagsBackward
${uniformStruct(["b: u32", "d: u32", "nt: u32", "umax: u32"])}${storage(1, "dpooled", "f32")}${storage(2, "tuo", "i32")}${storage(3, "csr_off", "i32")}${storage(4, "csr_bags", "i32")}${storage(5, "drows", "f32")}${TABLE_OF}${CSR_GRAD}${main1d("embeddingBagsBackward")}
  if (i >= p.umax * p.d) { return; }
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
  const B = dim(op, "batchSize", args.batchSize);
  const D = dim(op, "dim", args.dim, 1);
  const tables = tensorList(op, "tables", args.tables).map((t, i) => bindTable(ctx, op, `tables[${i}]`, t, D));
  const T = tables.length;
  const sp = bindSparse(ctx, op, args.sparse, T, B);
  const pooled = ctx.tensors.bind(args.pooled, op, "pooled", "f32", B * T * D);
  const kernel = ctx.pipelines.kernel("embeddingBagsForward", 4, FORWARD);
  tables.forEach((table, t) => {
    table.parts.forEach((part, c) => {
      const uniforms = [B, D, T, t, part.firstRow, part.firstRow + part.rows, c === 0 ? 0 : 1];
      ctx.rec.dispatch1d(kernel, [part.bound, sp.indices, sp.offsets, pooled], uniforms, B * D);
    });
  });
  ctx.rec.endOp();
}

/** dRows[u, j] = sum over bags b of u of dPooled[b, t(u)*D + j], u < U; overwrite, rows >= U untouched. */
export function embeddingBagsBackward(ctx: GpuContext, args: Args<"embeddingBagsBackward">): void {
  const op = "embeddingBagsBackward";
  const B = dim(op, "batchSize", args.batchSize);
  const D = dim(op, "dim", args.dim, 1);
  const T = dim(op, "numTables", args.numTables);
  const sp = bindSparse(ctx, op, args.sparse, T, B);
  const dPooled = ctx.tensors.bind(args.dPooled, op, "dPooled", "f32", B * T * D);
  const dRows = ctx.tensors.bind(args.dRows, op, "dRows", "f32", 0);
  const uMax = Math.min(sp.uMax, Math.floor(ctx.tensors.get(args.dRows, op, "dRows").tensor.size / D));
  const kernel = ctx.pipelines.kernel("embeddingBagsBackward", 5, BACKWARD);
  ctx.rec.dispatch1d(kernel, [dPooled, sp.tableUniqueOffsets, sp.csrOffsets, sp.csrBags, dRows], [B, D, T, uMax], uMax * D);
  ctx.rec.endOp();
}
