/**
 * What a plan costs each rank with QR, MD and learned pooling weights: parameters and
 * optimizer state are the stored tables' (weight_q and weight_r; MD's narrow table and its
 * projection; v_W_l.<t> and its Adagrad state), the estimated memory counts the same, and
 * the all-to-all still carries D-wide pooled vectors (2D for QR concat).
 */
import { describe, expect, it } from "vitest";
import type { ModelConfig, OptimizerName } from "../config.js";
import { estimateMemory } from "../train/memory.js";
import { memoryConfig, mlpParameterCount, planCosts } from "./plan-costs.js";
import { planSharding } from "./planner.js";

const model: ModelConfig = {
  embeddingDim: 16,
  tableRows: [100_000, 50],
  bottomMlp: [13, 16],
  topMlp: [1],
  interaction: "dot",
  interactionItself: false,
};
const req = { worldSize: 2, batchSize: 32, meanBagSize: 2, sharding: "auto" as const };

function costs(m: ModelConfig, optimizer: OptimizerName) {
  const plan = planSharding(m, optimizer, req);
  const owner = plan.placements[0]!.ranks[0]!;
  expect(plan.placements[1]!.ranks[0]).not.toBe(owner);
  const c = planCosts(m, optimizer, req, plan);
  return { plan, big: c.perRank[owner]!, small: c.perRank[1 - owner]!, mlp: mlpParameterCount(m) * 4 };
}

describe("plan costs count the stored tables", () => {
  it("QR: weight_q (ceil(n/c) rows) and weight_r (c rows), with Adagrad state; the small table plain", () => {
    const m: ModelConfig = {
      ...model,
      embeddingVariant: { kind: "qr", threshold: 200, operation: "mult", collisions: 7 },
    };
    const { big, small, mlp } = costs(m, "adagrad");
    expect(big.parameterBytes - mlp).toBe((Math.ceil(100_000 / 7) + 7) * 16 * 4);
    expect(big.optimizerBytes - mlp).toBe((Math.ceil(100_000 / 7) + 7) * 16 * 4);
    expect(small.parameterBytes - mlp).toBe(50 * 16 * 4);
    expect(big.lookupFloats).toBe(32 * 2 * 32);
    expect(big.allToAllForwardBytes).toBe(16 * 16 * 4);
  });

  it("MD: the narrow table and its projection (Adagrad state of both; sgd none)", () => {
    const m: ModelConfig = {
      ...model,
      embeddingVariant: { kind: "md", threshold: 200, temperature: 0.3, roundDims: true },
    };
    // md_solver: 16 (50 / 100000)^0.3 = 1.6, rounded to 2
    const ada = costs(m, "adagrad");
    expect(ada.big.parameterBytes - ada.mlp).toBe((100_000 * 2 + 16 * 2) * 4);
    expect(ada.big.optimizerBytes - ada.mlp).toBe((100_000 * 2 + 16 * 2) * 4);
    expect(ada.big.lookupFloats).toBe(32 * 2 * 2);
    expect(ada.big.allToAllForwardBytes).toBe(16 * 16 * 4);
    const sgd = costs(m, "sgd");
    expect(sgd.big.optimizerBytes).toBe(0);
    expect(ada.plan.placements[0]!.reason).toMatch(/^embs\.weight 100000 x 2 \+ proj\.weight 16 x 2, /);
  });

  it("learned pooling weights: one per row with its Adagrad state, on the table's rank", () => {
    const m: ModelConfig = { ...model, weightedPooling: "learned" };
    const { big, small, mlp, plan } = costs(m, "adagrad");
    expect(big.parameterBytes - mlp).toBe(100_000 * 17 * 4);
    expect(big.optimizerBytes - mlp).toBe(100_000 * 17 * 4);
    expect(small.parameterBytes - mlp).toBe(50 * 17 * 4);
    expect(plan.placements[1]!.reason).toMatch(/^weight 50 x 16 \+ v_W_l\.1 50, /);
  });

  it("each rank's estimated memory holds its own stored tables only", () => {
    const m: ModelConfig = {
      ...model,
      embeddingVariant: { kind: "md", threshold: 200, temperature: 0.3, roundDims: true },
    };
    const plan = planSharding(m, "adagrad", req);
    const owner = plan.placements[0]!.ranks[0]!;
    const est = estimateMemory(memoryConfig(m, "adagrad", 32), 2, { shards: plan.shards[owner]!, worldSize: 2 });
    const names = est.breakdown.map((b) => b.name);
    expect(names.some((n) => n.startsWith("emb_l.0.embs.weight (100000 x 2)"))).toBe(true);
    expect(names.some((n) => n.startsWith("emb_l.1"))).toBe(false);
    const other = estimateMemory(memoryConfig(m, "adagrad", 32), 2, { shards: plan.shards[1 - owner]!, worldSize: 2 });
    expect(est.totalBytes - other.totalBytes).toBeGreaterThan(100_000 * 2 * 2 * 4 * 0.99);
    expect(est.totalBytes - other.totalBytes).toBeLessThan(100_000 * 16 * 4);
  });
});
