/**
 * Training-step benchmark for the native backend beside wasm and reference: ms/iteration
 * of `trainModel` on random data (createRandomSource, or pre-generated batches with
 * --replay), median of several timed runs after a warm-up run, per backend and mode.
 * Usage: npm run bench -w @dlrm/backend-gaudi -- [--config small|kaggle|medium]
 *   [--backends gaudi,wasm,reference] [--modes eager,lazy] [--iterations 30] [--runs 5] [--replay]
 */
import { parseArgs } from "node:util";
import {
  createRandomSource, DEFAULT_TRAIN_CONFIG, randomBatch, referenceBackendFactory, trainModel,
  type BackendFactory, type Batch, type BatchSource, type ExecutionMode, type RandomDataConfig, type TrainConfig,
} from "@dlrm/core";
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "small" },
    backends: { type: "string", default: "gaudi,wasm,reference" },
    modes: { type: "string", default: "eager,lazy" },
    iterations: { type: "string", default: "30" },
    runs: { type: "string", default: "5" },
    replay: { type: "boolean", default: false },
  },
});

const MODELS: Record<string, { model: TrainConfig["model"]; batch: number; lookups: number; lr: number }> = {
  small: { model: { embeddingDim: 16, tableRows: [100000, 100000, 100000, 100000], bottomMlp: [13, 64, 16], topMlp: [64, 32, 1], interaction: "dot", interactionItself: false }, batch: 128, lookups: 8, lr: 0.01 },
  kaggle: { model: { embeddingDim: 16, tableRows: new Array<number>(26).fill(100000), bottomMlp: [13, 512, 256, 64, 16], topMlp: [512, 256, 1], interaction: "dot", interactionItself: false }, batch: 128, lookups: 8, lr: 0.01 },
  medium: { model: { embeddingDim: 64, tableRows: [3000000], bottomMlp: [1024, 1024, 1024, 64], topMlp: [4096, 4096, 4096, 4096, 4096, 4096, 4096, 1], interaction: "cat", interactionItself: false }, batch: 512, lookups: 38, lr: 1e-5 },
};

const shape = MODELS[values.config];
if (shape === undefined) throw new Error(`--config: unknown "${values.config}" (known: ${Object.keys(MODELS).join(", ")})`);
const iterations = Number(values.iterations);
const runs = Number(values.runs);

/** The wasm factory when that package is built here (it is optional for this script). */
async function wasmFactory(): Promise<BackendFactory | undefined> {
  try {
    const mod = (await import("@dlrm/backend-wasm" as string)) as { wasmBackendFactory?: BackendFactory };
    return mod.wasmBackendFactory;
  } catch {
    return undefined;
  }
}

function configFor(mode: ExecutionMode): { cfg: TrainConfig; data: RandomDataConfig } {
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG, model: shape!.model, batchSize: shape!.batch, learningRate: shape!.lr,
    optimizer: "adagrad", numBatches: iterations, printFreq: 1_000_000, mode,
  };
  const data: RandomDataConfig = { kind: "random", dataSize: shape!.batch * iterations, numIndicesPerLookup: shape!.lookups, numIndicesPerLookupFixed: false, roundTargets: true };
  return { cfg, data };
}

/** Pre-generated batches replayed, so the figure is the step without data generation. */
function replaySource(cfg: TrainConfig, data: RandomDataConfig): BatchSource {
  const pool: Batch[] = Array.from({ length: 4 }, (_, i) => randomBatch(cfg, data, i));
  return {
    batchesPerEpoch: iterations,
    maxIndicesPerBag: data.numIndicesPerLookup,
    description: "replayed random batches",
    async *batches() {
      for (let i = 0; i < iterations; i++) yield pool[i % pool.length]!;
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const factories: Record<string, BackendFactory | undefined> = { gaudi: gaudiBackendFactory, wasm: await wasmFactory(), reference: referenceBackendFactory };
console.log(`config ${values.config}: tables ${shape.model.tableRows.length} x ${shape.model.tableRows[0]} x ${shape.model.embeddingDim}, bottom ${shape.model.bottomMlp.join("-")}, top ${shape.model.topMlp.join("-")}, batch ${shape.batch}, ${values.replay ? "replayed batches" : "createRandomSource"}; ${iterations} iterations x ${runs} runs after 1 warm-up run`);
for (const name of values.backends.split(",")) {
  const factory = factories[name];
  const reason = factory === undefined ? "not built" : await factory.unavailableReason();
  if (factory === undefined || reason !== undefined) {
    console.log(`${name.padEnd(10)} unavailable: ${reason}`);
    continue;
  }
  for (const mode of values.modes.split(",") as ExecutionMode[]) {
    const times: number[] = [];
    for (let r = 0; r <= runs; r++) {
      const backend = await factory.create({ mode });
      const { cfg, data } = configFor(mode);
      const source = values.replay ? replaySource(cfg, data) : createRandomSource(cfg, data);
      const { summary } = await trainModel(backend, cfg, source);
      backend.dispose();
      if (r > 0) times.push(summary.msPerIteration);
      if (name === "reference" && r >= 1) break;
    }
    const ms = median(times);
    console.log(`${name.padEnd(10)} ${mode.padEnd(6)} ${ms.toFixed(3).padStart(10)} ms/it  ${((shape.batch * 1000) / ms).toFixed(0).padStart(8)} samples/s  (runs: ${times.map((t) => t.toFixed(2)).join(", ")})`);
  }
}
