/**
 * Tests of forward-only evaluation on the reference backend: metrics equal those of the
 * probabilities read after each forward, padding samples are ignored, and the trainer's
 * running loss statistics are left as they were; onScores sees exactly the scored samples.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, DEFAULT_RANDOM_DATA, type TrainConfig } from "../config.js";
import type { BatchSource } from "../data/batch.js";
import { createRandomSource } from "../data/random-source.js";
import { DlrmModel } from "../model/dlrm.js";
import { referenceBackendFactory } from "../reference/index.js";
import { BatchUploader } from "../train/upload.js";
import { BinaryMetrics } from "./binary-metrics.js";
import { evaluate, type CountedBatch } from "./evaluate.js";

const cfg: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: { ...DEFAULT_TRAIN_CONFIG.model, tableRows: [20, 30], bottomMlp: [13, 8, 4], topMlp: [8, 1], embeddingDim: 4 },
  batchSize: 16,
  loss: "bce",
};

describe("evaluate", () => {
  it("equals metrics over the probabilities of each batch and restores the stats", async () => {
    const be = await referenceBackendFactory.create();
    const source = createRandomSource(cfg, { ...DEFAULT_RANDOM_DATA, dataSize: 16 * 5, numIndicesPerLookup: 3 });
    const model = new DlrmModel(be, cfg, { batchSize: 16, maxIndicesPerBag: source.maxIndicesPerBag });
    model.loadInitialWeights();
    be.write(model.stats, new Float32Array([3, 2, 1]));
    const r = await evaluate(model, source);
    expect(Array.from(await be.read(model.stats))).toEqual([3, 2, 1]);

    const up = new BatchUploader(be, model);
    const m = new BinaryMetrics("bce");
    for await (const b of source.batches(0)) {
      up.upload(b);
      model.forward();
      m.add(await be.read(model.probs), b.targets);
    }
    const expected = m.result();
    expect(r.batches).toBe(5);
    expect(r.samples).toBe(80);
    expect(r.auc).toBe(expected.auc);
    expect(r.logLoss).toBe(expected.logLoss);
    expect(r.accuracy).toBe(expected.accuracy);
    expect(r.auc).toBeGreaterThan(0);
  });

  it("ignores padding samples beyond a batch's count", async () => {
    const be = await referenceBackendFactory.create();
    const inner = createRandomSource(cfg, { ...DEFAULT_RANDOM_DATA, dataSize: 32, numIndicesPerLookup: 2 });
    const padded: BatchSource = {
      ...inner,
      async *batches() {
        let i = 0;
        for await (const b of inner.batches(0)) yield { ...b, ...(i++ === 1 ? { count: 5 } : {}) } as CountedBatch;
      },
    };
    const model = new DlrmModel(be, cfg, { batchSize: 16, maxIndicesPerBag: inner.maxIndicesPerBag });
    model.loadInitialWeights();
    const counts: number[] = [];
    const scored = new BinaryMetrics("bce");
    const r = await evaluate(model, padded, {
      onScores: (probs, targets, count) => {
        counts.push(count);
        scored.add(probs, targets, count);
      },
    });
    expect(r.samples).toBe(21);
    expect(counts).toEqual([16, 5]);
    expect(scored.result().auc).toBe(r.auc);
    expect(scored.result().logLoss).toBe(r.logLoss);
    scored.dispose();
  });
});
