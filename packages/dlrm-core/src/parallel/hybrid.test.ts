/**
 * Hybrid parallelism on the reference backend with in-process ranks: world sizes 2 and 3
 * train like one process on the same global batch (every step's loss and the final weights
 * within 1e-5 relative), for dot and cat, each optimizer; reruns are bit-identical; a batch
 * that does not divide is refused naming both numbers; evaluation over ranks scores the
 * whole split exactly as one process does.
 */
import { describe, expect, it } from "vitest";
import type { OptimizerName, TrainConfig } from "../config.js";
import { base, data, worstTensor } from "./parity-fixtures.js";
import { createRandomSource } from "../data/random-source.js";
import { referenceBackendFactory } from "../reference/index.js";
import { trainRanks } from "./train-ranks.js";
import { planTables } from "./plan.js";
import { createInProcessGroup } from "../comm/in-process.js";
import { evaluate } from "../metrics/evaluate.js";
import { buildModel } from "../train/trainer.js";

const run = (cfg: TrainConfig, n: number) =>
  trainRanks(
    n,
    () => referenceBackendFactory.create({ mode: cfg.mode }),
    cfg,
    () => createRandomSource(cfg, data),
  );

describe("hybrid-parallel training matches one process", () => {
  for (const op of ["dot", "cat"] as const) {
    for (const optimizer of ["adagrad", "rwsadagrad", "sgd"] as OptimizerName[]) {
      it(`${op}, ${optimizer}: world sizes 2 and 3 against 1`, async () => {
        const cfg: TrainConfig = { ...base, optimizer, model: { ...base.model, interaction: op } };
        const one = await run(cfg, 1);
        expect(one.losses).toHaveLength(6);
        for (const n of [2, 3]) {
          const many = await run(cfg, n);
          expect(many.losses).toHaveLength(6);
          many.losses.forEach((l, i) =>
            expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-5),
          );
          expect(worstTensor(many.weights, one.weights)).toBeLessThan(1e-5);
          expect(worstTensor(many.optimizer, one.optimizer)).toBeLessThan(1e-5);
        }
      });
    }
  }

  it("the weights did move (the comparison can fail)", async () => {
    const one = await run(base, 1);
    const init = await trainRanks(
      1,
      () => referenceBackendFactory.create({ mode: "eager" }),
      { ...base, numBatches: 1, learningRate: 1e-30 },
      () => createRandomSource(base, data),
    );
    expect(worstTensor(init.weights, one.weights)).toBeGreaterThan(1e-3);
  });

  it("bf16 at world size 2 stays within bf16's tolerance of one process", async () => {
    const cfg: TrainConfig = { ...base, precision: "bf16" };
    const one = await run(cfg, 1);
    const two = await run(cfg, 2);
    two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-2));
    expect(worstTensor(two.weights, one.weights)).toBeLessThan(2e-2);
  });

  it("lazy mode at world size 2 equals eager mode bit for bit", async () => {
    const eager = await run(base, 2);
    const lazy = await run({ ...base, mode: "lazy" }, 2);
    expect(lazy.losses).toEqual(eager.losses);
    for (const [k, t] of eager.weights)
      expect(Buffer.from(lazy.weights.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
  });

  it("reruns at world size 3 are bit-identical", async () => {
    const a = await run(base, 3);
    const b = await run(base, 3);
    expect(b.losses).toEqual(a.losses);
    for (const [k, t] of a.weights)
      expect(Buffer.from(b.weights.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
  });

  it("a global batch that does not divide over the ranks is refused naming both numbers", async () => {
    await expect(run({ ...base, batchSize: 25 }, 2)).rejects.toThrow(
      /global batch 25 does not divide evenly over 2 ranks/,
    );
  });

  it("more ranks than tables leaves some ranks without tables and still matches", async () => {
    const cfg: TrainConfig = { ...base, model: { ...base.model, tableRows: [50, 40] } };
    const one = await run(cfg, 1);
    const three = await run(cfg, 3);
    three.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-5));
  });
});

describe("planTables", () => {
  it("places every table once, balancing bytes: a big table alone on its rank", () => {
    const p = planTables({ ...base.model, tableRows: [1000, 10, 10, 10, 10, 10] }, "adagrad", 2, 24, 1);
    expect(p.owner[0]).toBe(0);
    expect(p.ownedTables[1]).toEqual([1, 2, 3, 4, 5]);
    expect(p.ownedTables.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("equal tables split evenly", () => {
    const p = planTables({ ...base.model, tableRows: new Array(26).fill(100) }, "adagrad", 3, 24, 1);
    expect(p.ownedTables.map((t) => t.length)).toEqual([9, 9, 8]);
  });
});

describe("evaluation across ranks", () => {
  it("AUC, log loss and accuracy of the whole split equal one process's on the same model", async () => {
    const cfg: TrainConfig = { ...base, loss: "bce" };
    const evalData = { ...data, dataSize: 24 * 5 };
    const scores = async (n: number) => {
      const comms = n === 1 ? [undefined] : createInProcessGroup(n);
      return Promise.all(
        comms.map(async (comm) => {
          const be = await referenceBackendFactory.create({ mode: "eager" });
          const model = buildModel(be, cfg, evalData.numIndicesPerLookup, comm);
          model.loadInitialWeights();
          const r = await evaluate(model, createRandomSource(cfg, evalData));
          be.dispose();
          return r;
        }),
      );
    };
    const [one] = await scores(1);
    const many = await scores(3);
    expect(one!.samples).toBe(cfg.numBatches * cfg.batchSize);
    for (const r of many) {
      expect(r.samples).toBe(one!.samples);
      expect(r.auc).toBe(one!.auc);
      expect(r.logLoss).toBe(one!.logLoss);
      expect(r.accuracy).toBe(one!.accuracy);
    }
  });
});
