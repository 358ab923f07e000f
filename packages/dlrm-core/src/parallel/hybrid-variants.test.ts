/**
 * Hybrid parallelism with compressed embeddings and learned pooling weights, reference
 * backend, in-process ranks: QR (mult, add, concat) and MD tables, and v_W_l.<t>, each placed
 * whole with its table, train at world sizes 2 and 3 like one process (every step's loss,
 * the final weights and optimizer state within 1e-5 relative); evaluation over 3 ranks scores
 * as one process; the planner keeps such tables whole and refuses row, column and replicated
 * placements naming both flags.
 */
import { describe, expect, it } from "vitest";
import type { OptimizerName, TrainConfig } from "../config.js";
import type { EmbeddingVariant } from "../model/embedding-variant.js";
import { base, data, worstTensor } from "./parity-fixtures.js";
import { createRandomSource } from "../data/random-source.js";
import { referenceBackendFactory } from "../reference/index.js";
import { trainRanks } from "./train-ranks.js";
import { planSharding } from "./planner.js";
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

const qr = (operation: "mult" | "add" | "concat"): EmbeddingVariant => ({
  kind: "qr",
  threshold: operation === "concat" ? 15 : 35,
  operation,
  collisions: 4,
});
const md: EmbeddingVariant = { kind: "md", threshold: 25, temperature: 0.3, roundDims: false };

interface Case {
  name: string;
  optimizer: OptimizerName;
  model: Partial<TrainConfig["model"]>;
  /** A tensor only this case has, which must have moved from its initial value. */
  moved: string;
}

const CASES: Case[] = [
  { name: "QR mult", optimizer: "adagrad", model: { embeddingVariant: qr("mult") }, moved: "emb_l.4.weight_r" },
  { name: "QR add", optimizer: "sgd", model: { embeddingVariant: qr("add") }, moved: "emb_l.0.weight_q" },
  {
    name: "QR concat",
    optimizer: "rwsadagrad",
    model: { embeddingVariant: qr("concat"), bottomMlp: [6, 12, 16] },
    moved: "emb_l.1.weight_r",
  },
  { name: "MD", optimizer: "adagrad", model: { embeddingVariant: md }, moved: "emb_l.4.proj.weight" },
  { name: "MD", optimizer: "sgd", model: { embeddingVariant: md, interaction: "cat" }, moved: "emb_l.0.proj.weight" },
  { name: "learned pooling weights", optimizer: "adagrad", model: { weightedPooling: "learned" }, moved: "v_W_l.3" },
  { name: "learned pooling weights", optimizer: "sgd", model: { weightedPooling: "learned" }, moved: "v_W_l.0" },
];

describe("hybrid-parallel QR, MD and learned pooling weights match one process", () => {
  for (const c of CASES) {
    it(`${c.name}, ${c.optimizer}: world sizes 2 and 3 against 1`, async () => {
      const cfg: TrainConfig = { ...base, optimizer: c.optimizer, model: { ...base.model, ...c.model } };
      const one = await run(cfg, 1);
      const start = await run({ ...cfg, numBatches: 1, learningRate: 1e-30 }, 1);
      const moved = one.weights.get(c.moved)!.data;
      expect(moved.some((v, i) => Math.abs(v - start.weights.get(c.moved)!.data[i]!) > 1e-4)).toBe(true);
      expect(one.losses).toHaveLength(6);
      for (const n of [2, 3]) {
        const many = await run(cfg, n);
        expect(many.losses).toHaveLength(6);
        many.losses.forEach((l, i) =>
          expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-5),
        );
        expect(worstTensor(many.weights, one.weights)).toBeLessThan(1e-5);
        if (c.optimizer !== "sgd") expect(worstTensor(many.optimizer, one.optimizer)).toBeLessThan(1e-5);
      }
    });
  }

  it("QR with more ranks than tables: a rank without tables still trains its samples", async () => {
    const cfg: TrainConfig = {
      ...base,
      model: { ...base.model, tableRows: [50, 40], embeddingVariant: qr("mult") },
    };
    const one = await run(cfg, 1);
    const three = await run(cfg, 3);
    three.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-5));
    expect(worstTensor(three.weights, one.weights)).toBeLessThan(1e-5);
  });
});

describe("evaluation across ranks with QR, MD and learned pooling weights", () => {
  for (const extra of [
    { embeddingVariant: qr("mult") },
    { embeddingVariant: md },
    { weightedPooling: "learned" as const },
  ])
    it(`${JSON.stringify(extra)}: AUC, log loss and accuracy at 3 ranks equal one process's`, async () => {
      const cfg: TrainConfig = { ...base, loss: "bce", model: { ...base.model, ...extra } };
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
      expect(one!.samples).toBe(cfg.numBatches * cfg.batchSize);
      for (const r of await scores(3)) {
        expect(r.auc).toBe(one!.auc);
        expect(r.logLoss).toBe(one!.logLoss);
        expect(r.accuracy).toBe(one!.accuracy);
      }
    });
});

describe("the planner with QR, MD or learned pooling weights", () => {
  const req = { worldSize: 2, batchSize: 24, meanBagSize: 3 };
  it("places every table whole, even where auto would replicate small tables", () => {
    for (const model of [
      { ...base.model, embeddingVariant: qr("mult") },
      { ...base.model, embeddingVariant: md },
      { ...base.model, weightedPooling: "learned" as const },
    ]) {
      const plan = planSharding(model, "adagrad", { ...req, sharding: "auto" });
      expect(plan.placements.map((p) => p.kind)).toEqual(["table", "table", "table", "table", "table"]);
      expect(plan.placements[0]!.reason).toMatch(/keeps tables whole; balanced/);
    }
    const plain = planSharding(base.model, "adagrad", { ...req, batchSize: 240, sharding: "auto" });
    expect(plain.placements.some((p) => p.kind === "replicated")).toBe(true);
  });

  it("QR concat's pieces are 2D wide (what the all-to-all carries)", () => {
    const plan = planSharding({ ...base.model, embeddingVariant: qr("concat") }, "sgd", { ...req, sharding: "table" });
    expect(plan.shards.flat().map((s) => s.colEnd)).toEqual([16, 16, 16, 16, 16]);
  });

  it("row, column and replicated placements are refused naming --sharding and the variant's flag", () => {
    for (const sharding of ["row", "column", "replicated"] as const) {
      expect(() => planSharding({ ...base.model, embeddingVariant: md }, "adagrad", { ...req, sharding })).toThrow(
        new RegExp(`^--sharding ${sharding}: cannot be combined with --md-flag`),
      );
      expect(() =>
        planSharding({ ...base.model, weightedPooling: "learned" }, "adagrad", { ...req, sharding }),
      ).toThrow(/cannot be combined with --weighted-pooling learned/);
    }
  });
});
