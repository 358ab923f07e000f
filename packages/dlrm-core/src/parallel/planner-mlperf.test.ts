/**
 * The planner on MLPerf DLRMv2 sizes: the 26 Criteo 1TB tables capped at 40,000,000 rows
 * (--max-ind-range 40000000), dimension 128, bottom MLP 13-512-256-128, top MLP
 * 1024-1024-512-256-1, global batch 65536, one index per bag, Adagrad, at 8, 64 and 512
 * ranks: the kinds chosen, and one 40M-row table's and one 3-row table's per-rank memory
 * and bytes per step against a hand count from the byte model in plan-costs.ts.
 */
import { describe, expect, it } from "vitest";
import type { ModelConfig } from "../config.js";
import { planCosts, type RankCosts } from "./plan-costs.js";
import { planSharding, type PlanRequest } from "./planner.js";
import type { ShardingPlan } from "./shards.js";

const CRITEO_1TB = [
  40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938, 155, 4, 976, 14,
  40000000, 40000000, 40000000, 590152, 12973, 108, 36,
].map((r) => Math.min(r, 40_000_000));

/**
 * DLRMv2's interaction is DCN, not built here; "cat" gives the same top-MLP input width
 * (27 features x 128 = 3456), so the MLP replica has DLRMv2's parameter count.
 */
const DLRM_V2: ModelConfig = {
  embeddingDim: 128,
  tableRows: CRITEO_1TB,
  bottomMlp: [13, 512, 256, 128],
  topMlp: [1024, 1024, 512, 256, 1],
  interaction: "cat",
  interactionItself: false,
};

/** Hand count of the MLP parameters: weights and biases, bottom then top (3456 = 27 x 128 input). */
const MLP =
  13 * 512 +
  512 +
  (512 * 256 + 256) +
  (256 * 128 + 128) +
  (3456 * 1024 + 1024) +
  (1024 * 1024 + 1024) +
  (1024 * 512 + 512) +
  (512 * 256 + 256) +
  (256 * 1 + 1);

const req = (worldSize: number): PlanRequest => ({ worldSize, batchSize: 65536, meanBagSize: 1, sharding: "auto" });

/** Each rank's costs counting only table `t`'s pieces (and the MLP replica every rank holds). */
function oneTable(plan: ShardingPlan, N: number, t: number): RankCosts[] {
  const only = { ...plan, shards: plan.shards.map((l) => l.filter((s) => s.table === t)) };
  return planCosts(DLRM_V2, "adagrad", req(N), only).perRank;
}

describe("MLPerf DLRMv2 sizes", () => {
  it("the MLP replica has the hand-counted parameters", () => {
    expect(MLP).toBe(5417345);
    expect(planCosts(DLRM_V2, "adagrad", req(8), planSharding(DLRM_V2, "adagrad", req(8))).mlpParameters).toBe(MLP);
  });

  it("N = 8: a 40M-row table whole on one rank, the 3-row table replicated", () => {
    const plan = planSharding(DLRM_V2, "adagrad", req(8));
    const p = plan.placements[0]!;
    expect(p.kind).toBe("table");
    const owner = p.ranks[0]!;
    const c = oneTable(plan, 8, 0);
    const other = (owner + 1) % 8;
    // b = 65536 / 8 = 8192 samples per rank.
    expect(c[owner]!.parameterBytes).toBe(40000000 * 128 * 4 + MLP * 4);
    expect(c[owner]!.optimizerBytes).toBe(40000000 * 128 * 4 + MLP * 4);
    expect(c[owner]!.allToAllForwardBytes).toBe(7 * 8192 * 128 * 4);
    expect(c[owner]!.allToAllBackwardBytes).toBe(0);
    expect(c[other]!.parameterBytes).toBe(MLP * 4);
    expect(c[other]!.allToAllForwardBytes).toBe(0);
    expect(c[other]!.allToAllBackwardBytes).toBe(8192 * 128 * 4);
    // The all-to-all of indices: the owner keeps its own samples' bags; every other rank sends its 8192 (length, index) pairs.
    expect(c[owner]!.allToAllIndexBytes).toBe(0);
    expect(c[other]!.allToAllIndexBytes).toBe(8192 * (1 + 1) * 4);
    expect(c[other]!.allReduceBytes).toBeCloseTo(((2 * 7) / 8) * (MLP + 1) * 4, 3);

    expect(plan.placements[5]!.kind).toBe("replicated");
    for (const r of oneTable(plan, 8, 5)) {
      expect(r.parameterBytes).toBe(3 * 128 * 4 + MLP * 4);
      expect(r.optimizerBytes).toBe(3 * 128 * 4 + MLP * 4);
      // Every copy receives every rank's indices of it: a length and one index per sample, to 7 others.
      expect(r.allToAllIndexBytes).toBe(7 * 8192 * (1 + 1) * 4);
      expect(r.allToAllBytes).toBe(r.allToAllIndexBytes);
      expect(r.allReduceReplicatedBytes).toBeCloseTo(((2 * 7) / 8) * 3 * 128 * 4, 6);
    }
    // 7424 rows < 8192 samples per rank: replicated at 8 ranks, not at 64 (1024 per rank).
    expect(plan.placements[3]!.kind).toBe("replicated");
  });

  it("N = 64: a 40M-row table split by rows over 13 ranks (38.1 GiB over twice the 3.0 GiB share)", () => {
    const plan = planSharding(DLRM_V2, "adagrad", req(64));
    const p = plan.placements[0]!;
    expect(p.kind).toBe("row");
    expect(p.ranks).toHaveLength(13);
    expect(plan.placements[3]!.kind).toBe("table");
    // 40000000 = 13 x 3076923 + 1: the first piece has 3076924 rows. b = 1024.
    const first = plan.shards.flat().find((s) => s.table === 0 && s.rowStart === 0)!;
    expect(first.rowEnd).toBe(3076924);
    const c = oneTable(plan, 64, 0);
    const holder = c[first.rank]!;
    expect(holder.parameterBytes).toBe(3076924 * 128 * 4 + MLP * 4);
    expect(holder.optimizerBytes).toBe(3076924 * 128 * 4 + MLP * 4);
    expect(holder.allToAllForwardBytes).toBe(63 * 1024 * 128 * 4);
    expect(holder.allToAllBackwardBytes).toBe(12 * 1024 * 128 * 4);
    const outsider = c[plan.shards.findIndex((l) => !l.some((s) => s.table === 0))]!;
    expect(outsider.allToAllForwardBytes).toBe(0);
    expect(outsider.allToAllBackwardBytes).toBe(13 * 1024 * 128 * 4);
    expect(outsider.allReduceBytes).toBeCloseTo(((2 * 63) / 64) * (MLP + 1) * 4, 3);
    for (const r of oneTable(plan, 64, 5))
      expect(r.allReduceReplicatedBytes).toBeCloseTo(((2 * 63) / 64) * 3 * 128 * 4, 6);
  });

  it("N = 512: a 40M-row table split by rows over 101 ranks, a 3M-row table by columns", () => {
    const plan = planSharding(DLRM_V2, "adagrad", req(512));
    const p = plan.placements[0]!;
    expect(p.kind).toBe("row");
    expect(p.ranks).toHaveLength(101);
    expect(plan.placements[10]!.kind).toBe("column");
    // 40000000 = 101 x 396039 + 61: 61 pieces of 396040 rows, then 40 of 396039. b = 128.
    const pieces = plan.shards.flat().filter((s) => s.table === 0);
    expect(pieces.filter((s) => s.rowEnd - s.rowStart === 396040)).toHaveLength(61);
    const last = pieces.find((s) => s.rowEnd === 40000000)!;
    const c = oneTable(plan, 512, 0);
    expect(c[last.rank]!.parameterBytes).toBe(396039 * 128 * 4 + MLP * 4);
    expect(c[last.rank]!.optimizerBytes).toBe(396039 * 128 * 4 + MLP * 4);
    expect(c[last.rank]!.allToAllForwardBytes).toBe(511 * 128 * 128 * 4);
    expect(c[last.rank]!.allToAllBackwardBytes).toBe(100 * 128 * 128 * 4);
    const outsider = c[plan.shards.findIndex((l) => !l.some((s) => s.table === 0))]!;
    expect(outsider.allToAllBackwardBytes).toBe(101 * 128 * 128 * 4);
    expect(outsider.allReduceMlpBytes).toBeCloseTo(((2 * 511) / 512) * (MLP + 1) * 4, 3);
  });

  it("every rank's costs are the sum of its tables' (the per-table counts above add up)", () => {
    for (const N of [8, 64, 512]) {
      const plan = planSharding(DLRM_V2, "adagrad", req(N));
      const all = planCosts(DLRM_V2, "adagrad", req(N), plan).perRank;
      const parts = DLRM_V2.tableRows.map((_, t) => oneTable(plan, N, t));
      for (const r of [0, N - 1]) {
        const sum = (f: (c: RankCosts) => number): number => parts.reduce((a, p) => a + f(p[r]!), 0);
        expect(all[r]!.parameterBytes).toBe(sum((c) => c.parameterBytes) - 25 * MLP * 4);
        expect(all[r]!.allToAllBytes).toBeCloseTo(
          sum((c) => c.allToAllBytes),
          3,
        );
      }
    }
  });
});
