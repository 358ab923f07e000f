/**
 * bf16 mixed precision against fp32 on the 10,000 real Kaggle rows: the same seeded model,
 * data order and configuration trained once per precision on each backend that can start
 * (reference, wasm, gaudi, webgpu); the exact test AUC of the bf16 run must be within 0.005
 * of the fp32 run's (and not equal to it: bf16 must have changed the model), and both
 * clearly above chance.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TRAIN_CONFIG,
  ProcessedDataset,
  createCriteoDatasetSource,
  evaluate,
  preprocessCriteo,
  trainModel,
  type BackendFactory,
  type Precision,
  type TrainConfig,
} from "@dlrm/core";
import { BACKENDS } from "@dlrm/backends";
import { availabilityPlan, parseRequiredBackends } from "@dlrm/conformance";

const SAMPLE = new URL("../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const required = parseRequiredBackends(process.env.DLRM_REQUIRED_BACKENDS);
const tmp = mkdtempSync(join(tmpdir(), "dlrm-bf16-auc-"));
const out = join(tmp, "kaggle");

beforeAll(async () => {
  await preprocessCriteo({
    inputs: [SAMPLE],
    output: out,
    dataSet: "kaggle",
    mapping: { kind: "modulo", range: 10000 },
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Test AUC after one epoch on the training days at `precision` (everything else identical). */
async function trainedAuc(factory: BackendFactory, precision: Precision): Promise<number> {
  const ds = ProcessedDataset.open(out);
  try {
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
      precision,
    };
    const train = createCriteoDatasetSource(ds, { split: "train", batchSize: 128, randomize: "total", seed: 1 });
    const test = createCriteoDatasetSource(ds, { split: "test", batchSize: 128, keepPartial: true });
    const be = await factory.create();
    try {
      const { model } = await trainModel(be, cfg, train);
      return (await evaluate(model, test)).auc;
    } finally {
      be.dispose();
    }
  } finally {
    await ds.close();
  }
}

describe("bf16 vs fp32 test AUC on real Criteo rows", async () => {
  for (const factory of BACKENDS) {
    const reason = await factory.unavailableReason();
    const plan = availabilityPlan(factory.name, reason, required);
    const title =
      plan === "skip" ? `${factory.name}: skipped, ${reason}` : `${factory.name}: bf16 AUC within 0.005 of fp32`;
    it.skipIf(plan === "skip")(
      title,
      async () => {
        if (plan === "fail")
          throw new Error(`${factory.name} is required (DLRM_REQUIRED_BACKENDS) but unavailable: ${reason}`);
        const fp32 = await trainedAuc(factory, "fp32");
        const bf16 = await trainedAuc(factory, "bf16");
        expect(fp32).toBeGreaterThan(0.65);
        expect(bf16).toBeGreaterThan(0.65);
        expect(Math.abs(bf16 - fp32), `fp32 AUC ${fp32}, bf16 AUC ${bf16}`).toBeLessThan(0.005);
        // bf16 must have done something: rounding every GEMM operand changes the trained model.
        expect(bf16, "bf16 and fp32 runs gave the same AUC: bf16 was not applied").not.toBe(fp32);
        console.log(
          `${factory.name}: test AUC fp32 ${fp32.toFixed(5)}, bf16 ${bf16.toFixed(5)}, |difference| ${Math.abs(bf16 - fp32).toFixed(5)}`,
        );
      },
      300_000,
    );
  }
});
