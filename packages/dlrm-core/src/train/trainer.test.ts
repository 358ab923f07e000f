/**
 * Tests of the training loop on the reference backend: a learnable synthetic task lowers the
 * loss, eager and lazy mode are bit-identical, runs repeat bit for bit, loaded weights are
 * checked strictly, and a non-finite loss stops training naming the step.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../config.js";
import type { Batch, BatchSource } from "../data/batch.js";
import { createRandomSource } from "../data/random-source.js";
import { StateDictMismatchError } from "../model/parameters.js";
import { referenceBackendFactory } from "../reference/index.js";
import { Rng } from "../util/rng.js";
import { trainModel, BatchError, NonFiniteLossError } from "./trainer.js";

const cfg: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: { ...DEFAULT_TRAIN_CONFIG.model, tableRows: [20, 30], bottomMlp: [4, 8, 4], topMlp: [8, 1], embeddingDim: 4 },
  batchSize: 32,
  learningRate: 0.1,
  loss: "bce",
  printFreq: 5,
};

/** y = 1 when dense[0] + 0.5 * [row of table 0 is even] > 0.75: learnable from both feature kinds. */
function learnableSource(c: TrainConfig, batches: number, poisonAt = -1): BatchSource {
  const B = c.batchSize;
  const T = c.model.tableRows.length;
  const make = (i: number): Batch => {
    const rng = new Rng(42, i);
    const dense = new Float32Array(B * 4);
    for (let k = 0; k < dense.length; k++) dense[k] = rng.uniform();
    if (i === poisonAt) dense[0] = Number.POSITIVE_INFINITY;
    const indices = new Int32Array(T * B);
    const offsets = new Int32Array(T * B + 1);
    for (let k = 0; k <= T * B; k++) offsets[k] = k;
    const targets = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) indices[t * B + b] = rng.int(c.model.tableRows[t]!);
      targets[b] = dense[b * 4]! + (indices[b]! % 2 === 0 ? 0.5 : 0) > 0.75 ? 1 : 0;
    }
    return { dense, sparse: { indices, offsets }, targets };
  };
  return {
    batchesPerEpoch: batches,
    maxIndicesPerBag: 1,
    description: "learnable synthetic task",
    async *batches() {
      for (let i = 0; i < batches; i++) yield make(i);
    },
  };
}

describe("trainModel", () => {
  it("lowers the loss clearly on a learnable synthetic task", async () => {
    const be = await referenceBackendFactory.create();
    const losses: number[] = [];
    await trainModel(be, { ...cfg, epochs: 4 }, learnableSource(cfg, 40), { onPrint: (r) => losses.push(r.loss) });
    expect(losses.length).toBe(32);
    const first = losses[0]!;
    const last = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
    expect(last).toBeLessThan(0.6 * first);
    be.dispose();
  });

  it("gives bit-identical parameters and optimizer state in eager and lazy mode, and run to run", async () => {
    const data = {
      kind: "random" as const,
      dataSize: 32 * 6,
      numIndicesPerLookup: 4,
      numIndicesPerLookupFixed: false,
      roundTargets: true,
    };
    const states: Uint32Array[][] = [];
    for (const mode of ["eager", "lazy", "eager"] as const) {
      const be = await referenceBackendFactory.create({ mode });
      const { model } = await trainModel(be, { ...cfg, mode }, createRandomSource(cfg, data));
      const tensors = [...model.namedParameters().map(([, t]) => t), ...model.optimizerState()];
      states.push(await Promise.all(tensors.map(async (t) => new Uint32Array((await be.read(t)).slice().buffer))));
      be.dispose();
    }
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  });

  it("calls onTest every N steps and stops early when it says so", async () => {
    const be = await referenceBackendFactory.create();
    const calls: number[] = [];
    const { summary } = await trainModel(be, cfg, learnableSource(cfg, 20), {
      onTest: { every: 4, run: async (_m, step) => (calls.push(step), step >= 12) },
    });
    expect(calls).toEqual([4, 8, 12]);
    expect(summary.steps).toBe(12);
    expect(summary.earlyStopped).toBe(true);
    expect(summary.stopped).toBe(false);
    be.dispose();
  });

  it("lazy mode submits once per step", async () => {
    const be = await referenceBackendFactory.create({ mode: "lazy" });
    const lazy = be as typeof be & { lazyStats: { submissions: number } };
    const before = lazy.lazyStats.submissions;
    await trainModel(be, { ...cfg, printFreq: 100 }, learnableSource(cfg, 6));
    // one submission for the initial weights + one per step (the final print read adds none).
    expect(lazy.lazyStats.submissions - before).toBe(1 + 6);
    be.dispose();
  });

  it("names every missing, extra and mis-shaped tensor of loaded weights", async () => {
    const be = await referenceBackendFactory.create();
    const weights = new Map([
      ["emb_l.0.weight", { dtype: "F32" as const, shape: [20, 5], data: new Float32Array(100) }],
      ["bogus", { dtype: "F32" as const, shape: [1], data: new Float32Array(1) }],
    ]);
    const err = await trainModel(be, cfg, learnableSource(cfg, 1), {
      initialWeights: weights,
      initialWeightsSource: "w.safetensors",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateDictMismatchError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/w\.safetensors/);
    expect(msg).toMatch(/emb_l\.0\.weight has shape \[20, 5\], the model needs \[20, 4\]/);
    expect(msg).toMatch(/missing tensor emb_l\.1\.weight/);
    expect(msg).toMatch(/missing tensor top_l\.0\.bias/);
    expect(msg).toMatch(/unexpected tensor bogus/);
    be.dispose();
  });

  it("stops at a data row whose dense value is not finite, naming step, batch, sample and feature", async () => {
    const be = await referenceBackendFactory.create();
    const err = await trainModel(be, { ...cfg, printFreq: 1 }, learnableSource(cfg, 6, 3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchError);
    expect((err as BatchError).step).toBe(4);
    expect((err as Error).message).toMatch(
      /step 4 \(epoch 0, batch 3\): dense input of sample 0, feature 0, is Infinity/,
    );
    be.dispose();
  });

  it("with onNonFinite skip, skips steps whose loss is not finite and stops past the consecutive cap", async () => {
    const be = await referenceBackendFactory.create();
    const poisonSteps = new Set([2, 4]);
    const base = learnableSource(cfg, 8);
    const poisoned: BatchSource = {
      ...base,
      async *batches(epoch, from) {
        let i = from ?? 0;
        for await (const b of base.batches(epoch, from)) {
          if (poisonSteps.has(i++)) b.dense.fill(3e38, 0, 4);
          yield b;
        }
      },
    };
    // Finite but huge dense values pass the data check and overflow to a non-finite loss.
    const skips: number[] = [];
    const { summary } = await trainModel(be, { ...cfg, printFreq: 4 }, poisoned, {
      onNonFinite: "skip",
      onSkip: (s) => skips.push(s),
    });
    expect(skips).toEqual([3, 5]);
    expect(summary.skippedSteps).toBe(2);
    expect(Number.isFinite(summary.finalLoss)).toBe(true);
    const all = new Set([0, 1, 2, 3, 4, 5, 6, 7]);
    const stuck: BatchSource = {
      ...base,
      async *batches(epoch, from) {
        let i = from ?? 0;
        for await (const b of base.batches(epoch, from)) {
          if (all.has(i++)) b.dense.fill(3e38, 0, 4);
          yield b;
        }
      },
    };
    const err = await trainModel(be, cfg, stuck, { onNonFinite: "skip", maxConsecutiveSkips: 3 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).message).toMatch(/4 consecutive steps had a non-finite loss/);
    be.dispose();
  });

  it("stops at a non-finite loss at step k, naming the step and the poisoned table row", async () => {
    const be = await referenceBackendFactory.create();
    const big = { ...cfg, model: { ...cfg.model, tableRows: [1000, 30] } };
    const { model } = await trainModel(be, { ...big, printFreq: 1 }, learnableSource(big, 2));
    // Poison one embedding row that batch 2 reads and batches 0 and 1 do not.
    const source = learnableSource(big, 6);
    const seen = new Set<number>();
    let row = -1;
    let i = 0;
    for await (const b of source.batches(0)) {
      const rows = [...b.sparse.indices.subarray(0, big.batchSize)];
      if (i++ < 2) rows.forEach((r) => seen.add(r));
      else {
        row = rows.find((r) => !seen.has(r))!;
        break;
      }
    }
    const weights = await model.stateDict();
    weights.get("emb_l.0.weight")!.data[row * 4 + 1] = Number.NaN;
    const err = await trainModel(be, { ...big, printFreq: 1 }, source, { initialWeights: weights }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).step).toBe(3);
    expect((err as Error).message).toMatch(/at step 3/);
    expect((err as Error).message).toMatch(new RegExp(`table 0, emb_l\\.0\\.weight row ${row}`));
    be.dispose();
  });
});
