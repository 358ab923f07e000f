/**
 * The multi-process part of `dlrm train`'s start-up block (printed by rank 0): world size
 * and transport, the global batch and each rank's slice, how each table is placed and why
 * (tables placed alike and for the same reason on one line), and each rank's pieces and
 * memory estimate.
 */
import {
  estimateMemory,
  formatRanks,
  type BatchSource,
  type Communicator,
  type ShardingPlan,
  type TrainConfig,
} from "@dlrm/core";
import { formatBytes } from "../format.js";

const KIND_WORDS = {
  table: "whole on rank",
  row: "split by rows over ranks",
  column: "split by columns over ranks",
  replicated: "replicated on ranks",
};

export function distributedLines(
  config: TrainConfig,
  source: BatchSource,
  plan: ShardingPlan,
  comm: Communicator,
): string[] {
  const N = comm.worldSize;
  const lines = [
    `  ranks       ${N} (${comm.name}); global batch ${config.batchSize}, ${config.batchSize / N} samples per rank; tables sharded, MLPs data-parallel`,
  ];
  const byPlacement = new Map<string, number[]>();
  for (const p of plan.placements) {
    const key = `${KIND_WORDS[p.kind]} ${formatRanks(p.ranks)} (${p.reason})`;
    byPlacement.set(key, [...(byPlacement.get(key) ?? []), p.table]);
  }
  for (const [what, tables] of byPlacement)
    lines.push(`  sharding    table${tables.length === 1 ? "" : "s"} ${formatRanks(tables)}: ${what}`);
  plan.shards.forEach((shards, r) => {
    const mem = estimateMemory(config, source, { shards, worldSize: N });
    lines.push(
      `  rank ${r}      ${shards.length} piece${shards.length === 1 ? "" : "s"} of tables ${formatRanks([...new Set(shards.map((s) => s.table))])}; memory ~${formatBytes(mem.totalBytes)}`,
    );
  });
  return lines;
}
