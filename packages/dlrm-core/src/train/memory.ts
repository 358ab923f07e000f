/**
 * The memory a configuration needs before anything is allocated: tables, optimizer state,
 * learned pooling weights, MLP parameters with gradients and accumulators, activations and
 * batch buffers, with a per-table breakdown so a refusal can say what to shrink.
 */
import { dcnShape, interactionWidth, type TrainConfig } from "../config.js";
import { tableBagBound, type BagBounds } from "../data/batch.js";
import { crossSpecs, mlpLayers } from "../model/parameters.js";
import { physicalTableSpecs, pooledWidth } from "../model/embedding-variant.js";
import { shardRows, shardWidth, type TableShard } from "../parallel/shards.js";

export interface MemoryEstimate {
  totalBytes: number;
  breakdown: { name: string; bytes: number }[];
}

/**
 * Estimates bytes for `cfg` with batches of up to `bounds` indices per bag (a number: for
 * every table); with
 * `shard`, for one rank of a hybrid-parallel run (its table pieces over the global batch, the
 * MLPs over its B / worldSize samples, the exchange buffers; with QR or MD its whole tables'
 * physical tables and projections, and its tables' pooling weights).
 */
export function estimateMemory(
  cfg: TrainConfig,
  bounds: number | BagBounds = 1,
  shard?: { shards: readonly TableShard[]; worldSize: number },
): MemoryEstimate {
  const m = cfg.model;
  const BE = cfg.batchSize;
  const B = BE / (shard?.worldSize ?? 1);
  const D = pooledWidth(m.embeddingDim, m.embeddingVariant);
  const T = m.tableRows.length;
  // One process, or QR and MD (whose tables are whole on a rank): every physical table it holds, named by its parameter.
  const held = shard === undefined ? undefined : new Set(shard.shards.map((s) => s.table));
  const variant = m.embeddingVariant !== undefined;
  const physical =
    shard === undefined || variant
      ? physicalTableSpecs(m.tableRows, m.embeddingDim, m.embeddingVariant).filter(
          (p) => held === undefined || held.has(p.table),
        )
      : [];
  const physicalTables = physical.filter((p) => p.role === "table");
  const owned: readonly TableShard[] =
    (variant ? undefined : shard?.shards) ??
    physicalTables.map((p) => ({
      table: p.table,
      rank: 0,
      kind: "table",
      rowStart: 0,
      rowEnd: p.shape[0],
      colStart: 0,
      colEnd: p.shape[1],
    }));
  const f32 = 4;
  const breakdown: { name: string; bytes: number }[] = [];
  const ownFloats = (shard?.shards ?? []).reduce((a, s) => a + shardWidth(s), 0);
  for (const s of owned) {
    const rows = shardRows(s);
    const w = shardWidth(s);
    const accPerRow = cfg.optimizer === "sgd" ? 0 : cfg.optimizer === "rwsadagrad" ? 1 : w;
    const name = m.embeddingVariant === undefined ? undefined : physicalTables[owned.indexOf(s)]?.name;
    const what = name ?? (s.kind === "table" ? `table ${s.table}` : `table ${s.table} ${s.kind} piece`);
    breakdown.push({ name: `${what} (${rows} x ${w}) + optimizer state`, bytes: rows * (w + accPerRow) * f32 });
  }
  if (shard !== undefined && shard.worldSize > 1) {
    breakdown.push({
      name: "pooled-embedding exchange buffers (device and host)",
      bytes: (2 * BE * ownFloats + 4 * B * T * D) * f32,
    });
  }
  const { bottom, top } = mlpLayers(m);
  let mlpParams = 0;
  let activations = 0;
  for (const widths of [bottom, top]) {
    for (let i = 0; i + 1 < widths.length; i++) {
      mlpParams += widths[i + 1]! * (widths[i]! + 1);
      activations += 2 * B * widths[i + 1]!;
    }
  }
  for (const p of physical) if (p.role === "proj") mlpParams += p.shape[0] * p.shape[1];
  for (const spec of crossSpecs(m)) mlpParams += spec.shape.reduce((a, d) => a * d, 1);
  if (m.interaction === "dcn") {
    const { layers, rank } = dcnShape(m);
    const N = interactionWidth(m);
    activations += layers * B * (rank + 3 * N) + B * (rank + N);
  }
  if (m.weightedPooling === "learned") {
    const rows = m.tableRows.reduce((a, r, t) => (held === undefined || held.has(t) ? a + r : a), 0);
    const perRow = cfg.optimizer === "sgd" ? 1 : 2;
    breakdown.push({ name: "pooling weights v_W_l + optimizer state", bytes: rows * perRow * f32 });
  }
  const copies = cfg.optimizer === "sgd" ? 2 : 3;
  breakdown.push({
    name: `MLP parameters, gradients${copies === 3 ? ", Adagrad state" : ""}`,
    bytes: mlpParams * copies * f32,
  });
  activations += 2 * B * (interactionWidth(m) + T * D) + B * bottom[0]!;
  breakdown.push({ name: "activations and their gradients", bytes: activations * f32 });
  const bags: BagBounds = typeof bounds === "number" ? { maxIndicesPerBag: bounds } : bounds;
  const nnz = owned.reduce((a, s) => a + BE * tableBagBound(bags, s.table), 0);
  const rowFloats = owned.reduce((a, s) => a + BE * tableBagBound(bags, s.table) * shardWidth(s), 0);
  const weightGrads = m.weightedPooling === "learned" ? nnz : 0;
  breakdown.push({
    name: "batch buffers (indices, CSR map, unique-row gradients)",
    bytes: (4 * nnz + owned.length * BE) * 4 + (rowFloats + weightGrads) * f32,
  });
  return { totalBytes: breakdown.reduce((a, e) => a + e.bytes, 0), breakdown };
}

/** Thrown before allocating when a configuration cannot fit; the message has the breakdown and what to change. */
export class MemoryRefusalError extends RangeError {
  constructor(
    readonly estimate: MemoryEstimate,
    readonly limitBytes: number,
    where: string,
  ) {
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    const lines = [...estimate.breakdown].sort((a, b) => b.bytes - a.bytes).map((e) => `${e.name}: ${mib(e.bytes)}`);
    super(
      `this configuration needs about ${mib(estimate.totalBytes)} but ${where} holds at most ${mib(limitBytes)}:\n  ${lines.join("\n  ")}\n` +
        "Shrink the tables (--max-ind-range, --arch-embedding-size), use row-wise Adagrad (--optimizer rwsadagrad: one accumulator per row), " +
        "a smaller --mini-batch-size or --num-indices-per-lookup, a backend with more memory, " +
        "or several ranks (--world-size N: `dlrm plan --world-size N` with the same flags shows what each rank needs).",
    );
    this.name = "MemoryRefusalError";
  }
}

/** Refuses (MemoryRefusalError) when `estimate` exceeds the backend's limit or the host's memory. */
export function checkMemoryFits(
  estimate: MemoryEstimate,
  backendLimit: number | undefined,
  backendName: string,
  hostBytes: number,
): void {
  if (backendLimit !== undefined && estimate.totalBytes > backendLimit) {
    throw new MemoryRefusalError(estimate, backendLimit, `the ${backendName} backend`);
  }
  if (estimate.totalBytes > hostBytes) throw new MemoryRefusalError(estimate, hostBytes, "this machine");
}
