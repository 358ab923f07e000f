/**
 * The multi-process part of `dlrm train`'s start-up block (printed by rank 0): world size
 * and transport, the global batch and each rank's slice, how each table is placed and why
 * (tables placed alike and for the same reason on one line), and each rank's pieces and
 * memory estimate.
 */
import { estimateMemory, type BatchSource, type Communicator, type ShardingPlan, type TrainConfig } from "@dlrm/core";
import { formatBytes } from "../format.js";

/** "0-3,7": compact lists of numbers. */
function ranges(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.length === 0 ? "none" : out.join(",");
}

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
    const key = `${KIND_WORDS[p.kind]} ${ranges(p.ranks)} (${p.reason})`;
    byPlacement.set(key, [...(byPlacement.get(key) ?? []), p.table]);
  }
  for (const [what, tables] of byPlacement)
    lines.push(`  sharding    table${tables.length === 1 ? "" : "s"} ${ranges(tables)}: ${what}`);
  plan.shards.forEach((shards, r) => {
    const mem = estimateMemory(config, source.maxIndicesPerBag, { shards, worldSize: N });
    lines.push(
      `  rank ${r}      ${shards.length} piece${shards.length === 1 ? "" : "s"} of tables ${ranges([...new Set(shards.map((s) => s.table))])}; memory ~${formatBytes(mem.totalBytes)}`,
    );
  });
  return lines;
}
