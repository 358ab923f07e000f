/**
 * The sharding planner: per table, table-wise, row-wise, column-wise or replicated, from the
 * ranks' count and memory budget. A forced kind places every table that way; "auto" chooses
 * per table. Deterministic: every rank computes the same plan.
 */
import type { ModelConfig, OptimizerName } from "../config.js";
import { planTables } from "./plan.js";
import { assemblePlan, type ShardingPlan, type ShardKind, type TablePlacement } from "./shards.js";

/** `--sharding`: one kind for every table, or the planner's choice per table. */
export type ShardingChoice = "auto" | ShardKind;

export const SHARDING_CHOICES: readonly ShardingChoice[] = ["auto", "table", "row", "column", "replicated"];

export interface PlanRequest {
  worldSize: number;
  /** Global batch size. */
  batchSize: number;
  /** Expected indices per bag (lookups per table are batchSize x this). */
  meanBagSize: number;
  sharding: ShardingChoice;
  /** Bytes each rank may hold; undefined: no budget. */
  memoryPerRank?: number;
}

/** Places every table of `model` on `req.worldSize` ranks as `req.sharding` asks. */
export function planSharding(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest): ShardingPlan {
  const N = req.worldSize;
  const all = Array.from({ length: N }, (_, r) => r);
  const T = model.tableRows.length;
  let placements: TablePlacement[];
  if (req.sharding === "table" || req.sharding === "auto") {
    const p = planTables(model, optimizer, N, req.batchSize, req.meanBagSize);
    placements = p.owner.map((r, t) => ({
      table: t,
      kind: "table",
      ranks: [r],
      reason: "balanced table-wise placement",
    }));
  } else {
    const kind = req.sharding;
    placements = Array.from({ length: T }, (_, t) => ({ table: t, kind, ranks: all, reason: `--sharding ${kind}` }));
  }
  return assemblePlan(N, model.tableRows, model.embeddingDim, placements);
}
