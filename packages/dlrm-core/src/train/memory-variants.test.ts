/**
 * Tests that the memory estimate counts QR's and MD's physical tables and MD's projections,
 * not the logical tables, and the learned pooling weights (v_W_l) with their optimizer state.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../config.js";
import { estimateMemory } from "./memory.js";

const base: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: {
    embeddingDim: 16,
    tableRows: [100_000, 50],
    bottomMlp: [13, 16],
    topMlp: [1],
    interaction: "dot",
    interactionItself: false,
  },
  optimizer: "adagrad",
};
const bytesOf = (c: TrainConfig, prefix: string): number =>
  estimateMemory(c).breakdown.find((b) => b.name.startsWith(prefix))?.bytes ?? NaN;

describe("memory estimate of compressed embeddings", () => {
  it("QR: weight_q (ceil(n/c) rows) and weight_r (c rows) with Adagrad state; the small table stays whole", () => {
    const qr: TrainConfig = {
      ...base,
      model: { ...base.model, embeddingVariant: { kind: "qr", threshold: 200, operation: "mult", collisions: 7 } },
    };
    expect(bytesOf(qr, "emb_l.0.weight_q")).toBe(Math.ceil(100_000 / 7) * 16 * 2 * 4);
    expect(bytesOf(qr, "emb_l.0.weight_r")).toBe(7 * 16 * 2 * 4);
    expect(bytesOf(qr, "emb_l.1.weight")).toBe(50 * 16 * 2 * 4);
    expect(estimateMemory(qr).totalBytes).toBeLessThan(estimateMemory(base).totalBytes - 100_000 * 16 * 8 * 0.8);
  });

  it("MD: the narrow table (md_solver's width) and its projection (a dense parameter)", () => {
    const md: TrainConfig = {
      ...base,
      model: { ...base.model, embeddingVariant: { kind: "md", threshold: 200, temperature: 0.3, roundDims: true } },
    };
    // 16 (50 / 100000)^0.3 = 1.6 -> 2 -> 2
    expect(bytesOf(md, "emb_l.0.embs.weight")).toBe(100_000 * 2 * 2 * 4);
    const mlp = (c: TrainConfig): number => bytesOf(c, "MLP");
    expect(mlp(md) - mlp(base)).toBe(16 * 2 * 3 * 4);
  });
});

describe("memory estimate of learned pooling weights", () => {
  it("one weight per table row, plus its Adagrad accumulator (none for SGD), and a gradient per batch index", () => {
    const learned: TrainConfig = { ...base, model: { ...base.model, weightedPooling: "learned" } };
    expect(bytesOf(learned, "pooling weights")).toBe((100_000 + 50) * 2 * 4);
    expect(bytesOf({ ...learned, optimizer: "sgd" }, "pooling weights")).toBe((100_000 + 50) * 4);
    const nnz = 2 * base.batchSize;
    expect(bytesOf(learned, "batch buffers") - bytesOf(base, "batch buffers")).toBe(nnz * 4);
    const fixed: TrainConfig = { ...base, model: { ...base.model, weightedPooling: "fixed" } };
    expect(estimateMemory(fixed).totalBytes).toBe(estimateMemory(base).totalBytes);
  });
});
