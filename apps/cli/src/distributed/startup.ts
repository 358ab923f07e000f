/**
 * The multi-process part of `dlrm train`'s start-up block (printed by rank 0): world size
 * and transport, the global batch and each rank's slice, the table placement, and each
 * rank's memory estimate.
 */
import {
  estimateMemory,
  formatTablePlan,
  shardTable,
  type BatchSource,
  type Communicator,
  type TablePlan,
  type TrainConfig,
} from "@dlrm/core";
import { formatBytes } from "../format.js";

export function distributedLines(
  config: TrainConfig,
  source: BatchSource,
  plan: TablePlan,
  comm: Communicator,
): string[] {
  const N = comm.worldSize;
  const lines = [
    `  ranks       ${N} (${comm.name}); global batch ${config.batchSize}, ${config.batchSize / N} samples per rank; tables model-parallel (table-wise), MLPs data-parallel`,
  ];
  for (const [r, line] of formatTablePlan(plan).entries()) {
    const mem = estimateMemory(config, source.maxIndicesPerBag, {
      shards: plan.ownedTables[r]!.flatMap((t) =>
        shardTable(t, config.model.tableRows[t]!, config.model.embeddingDim, "table", [r]),
      ),
      worldSize: N,
    });
    lines.push(`  placement   ${line}; memory ~${formatBytes(mem.totalBytes)}`);
  }
  return lines;
}
