/**
 * End to end on the 10,000 real Kaggle rows: preprocess (hash % 10000), train on the six
 * training days with bce and Adagrad on the reference backend, evaluate on the test half of
 * the last day: the exact AUC must be clearly above chance and log loss below the prior's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../config.js";
import { createCriteoDatasetSource } from "../data/criteo/dataset-source.js";
import { preprocessCriteo } from "../data/criteo/preprocess.js";
import { ProcessedDataset } from "../data/criteo/processed-dataset.js";
import { referenceBackendFactory } from "../reference/index.js";
import { trainModel } from "../train/trainer.js";
import { evaluate } from "./evaluate.js";

const SAMPLE = new URL("../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "dlrm-train-criteo-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("training on real Criteo rows", () => {
  it("reaches a test AUC clearly above 0.5", async () => {
    const out = join(tmp, "k");
    await preprocessCriteo({
      inputs: [SAMPLE],
      output: out,
      dataSet: "kaggle",
      mapping: { kind: "modulo", range: 10000 },
    });
    const ds = ProcessedDataset.open(out);
    const cfg: TrainConfig = {
      ...DEFAULT_TRAIN_CONFIG,
      model: {
        ...DEFAULT_TRAIN_CONFIG.model,
        embeddingDim: 8,
        tableRows: ds.summary.tableRows,
        bottomMlp: [13, 32, 8],
        topMlp: [64, 1],
      },
      batchSize: 128,
      learningRate: 0.02,
      optimizer: "adagrad",
      loss: "bce",
      printFreq: 1000,
    };
    const train = createCriteoDatasetSource(ds, { split: "train", batchSize: 128, randomize: "total", seed: 1 });
    const test = createCriteoDatasetSource(ds, { split: "test", batchSize: 128, keepPartial: true });
    const be = await referenceBackendFactory.create();
    const { model } = await trainModel(be, cfg, train);
    const r = await evaluate(model, test);
    await ds.close();
    expect(r.samples).toBe(714);
    expect(r.auc).toBeGreaterThan(0.65);
    const p = r.positives / r.samples;
    expect(r.logLoss).toBeLessThan(-(p * Math.log(p) + (1 - p) * Math.log(1 - p)));
  }, 120_000);
});
