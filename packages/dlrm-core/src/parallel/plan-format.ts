/**
 * A sharding plan and its costs for people and programs: the table printed at start-up and
 * by `dlrm plan` (one line per table, one per rank, runs of identical ranks folded), and a
 * plain JSON object (world size, placements, each rank's pieces, each rank's costs).
 * Memory is in binary units (MiB, GiB); bytes per step in decimal MB (10^6 bytes).
 */
import type { PlanCosts, RankCosts } from "./plan-costs.js";
import type { ShardingPlan, TablePlacement, TableShard } from "./shards.js";

/** Bytes as "512 B", "1.5 KiB", "12.0 MiB", "3.0 GiB", "1.2 TiB". */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  let v = bytes;
  let u = -1;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Ascending rank or table lists compacted: "0-3,7,9-10". */
export function formatRanks(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.length === 0 ? "none" : out.join(",");
}

/** A table's rows and width as its pieces show them. */
function tableShape(plan: ShardingPlan, table: number): { rows: number; dim: number } {
  let rows = 0;
  let dim = 0;
  for (const s of plan.shards.flat())
    if (s.table === table) {
      rows = Math.max(rows, s.rowEnd);
      dim = Math.max(dim, s.colEnd);
    }
  return { rows, dim };
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

function rankLine(c: RankCosts, shards: readonly TableShard[]): string {
  const tables = [...new Set(shards.map((s) => s.table))].sort((a, b) => a - b);
  return (
    `params ${mib(c.parameterBytes)}, optimizer ${mib(c.optimizerBytes)}, memory ${formatBytes(c.memoryBytes)}, ` +
    `all-to-all ${mb(c.allToAllBytes)}/step, all-reduce ${mb(c.allReduceBytes)}/step, ` +
    `${Math.round(c.lookups)} lookups/step; tables ${formatRanks(tables)}`
  );
}

/**
 * The plan as text: a heading, one line per table (kind, ranks, reason), one line per rank
 * (parameters, optimizer state, estimated memory, all-to-all and all-reduce bytes sent per
 * step, lookups, tables held); consecutive ranks with the same line are printed once.
 */
export function formatShardingPlan(plan: ShardingPlan, costs: PlanCosts): string[] {
  const N = plan.worldSize;
  const lines = [`sharding plan over ${N} rank${N === 1 ? "" : "s"} (global batch ${costs.batchSize}):`];
  for (const p of plan.placements) {
    const { rows, dim } = tableShape(plan, p.table);
    const where = p.ranks.length === 1 ? `rank ${p.ranks[0]}` : `ranks ${formatRanks(p.ranks)}`;
    lines.push(`  table ${p.table} (${rows} x ${dim}): ${p.kind} on ${where}: ${p.reason}`);
  }
  for (let r = 0; r < N;) {
    const text = rankLine(costs.perRank[r]!, plan.shards[r]!);
    let end = r;
    while (end + 1 < N && rankLine(costs.perRank[end + 1]!, plan.shards[end + 1]!) === text) end++;
    lines.push(`  ${end === r ? `rank ${r}` : `ranks ${r}-${end}`}: ${text}`);
    r = end + 1;
  }
  return lines;
}

/** The plan and its costs as a plain, JSON-serialisable object. */
export interface PlanJson {
  worldSize: number;
  batchSize: number;
  meanBagSize: number;
  mlpParameters: number;
  placements: (TablePlacement & { rows: number; dim: number })[];
  /** shards[r]: rank r's pieces. */
  shards: TableShard[][];
  perRank: RankCosts[];
}

export function planJson(plan: ShardingPlan, costs: PlanCosts): PlanJson {
  return {
    worldSize: plan.worldSize,
    batchSize: costs.batchSize,
    meanBagSize: costs.meanBagSize,
    mlpParameters: costs.mlpParameters,
    placements: plan.placements.map((p) => ({ ...p, ranks: [...p.ranks], ...tableShape(plan, p.table) })),
    shards: plan.shards.map((list) => list.map((s) => ({ ...s }))),
    perRank: costs.perRank.map((c) => ({ ...c })),
  };
}
