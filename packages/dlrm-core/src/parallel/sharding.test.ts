/**
 * Every sharding kind on the reference backend with in-process ranks: row-wise, column-wise
 * and replicated tables (forced for every table, and mixed in one plan) at world sizes 2 and
 * 3 train like one process (every step's loss and the final weights and optimizer state
 * within 1e-5 relative), reruns are bit-identical, and bad indices are still refused.
 */
import { describe, expect, it } from "vitest";
import type { OptimizerName, TrainConfig } from "../config.js";
import { base, data, worstTensor } from "./parity-fixtures.js";
import { createRandomSource } from "../data/random-source.js";
import { referenceBackendFactory } from "../reference/index.js";
import type { BatchSource } from "../data/batch.js";
import { trainRanks } from "./train-ranks.js";
import { planSharding } from "./planner.js";
import { assemblePlan, shardGroups, type ShardingPlan, type ShardKind } from "./shards.js";
import { exchangeIndices, localBags } from "./index-exchange.js";
import { selectPieces } from "./rank-batch.js";
import { createInProcessGroup } from "../comm/in-process.js";
import type { Batch } from "../data/batch.js";

const run = (cfg: TrainConfig, n: number, plan?: ShardingPlan) =>
  trainRanks(
    n,
    () => referenceBackendFactory.create({ mode: cfg.mode }),
    cfg,
    () => createRandomSource(cfg, data),
    () => (plan === undefined ? {} : { plan }),
  );

const forced = (cfg: TrainConfig, n: number, kind: ShardKind): ShardingPlan =>
  planSharding(cfg.model, cfg.optimizer, { worldSize: n, batchSize: cfg.batchSize, meanBagSize: 3, sharding: kind });

async function expectParity(cfg: TrainConfig, n: number, plan: ShardingPlan): Promise<void> {
  const one = await run(cfg, 1);
  const many = await run(cfg, n, plan);
  expect(many.losses).toHaveLength(one.losses.length);
  many.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]!) / Math.abs(one.losses[i]!)).toBeLessThan(1e-5));
  expect(worstTensor(many.weights, one.weights)).toBeLessThan(1e-5);
  expect(worstTensor(many.optimizer, one.optimizer)).toBeLessThan(1e-5);
}

describe("every sharding kind trains like one process", () => {
  for (const kind of ["row", "column", "replicated"] as const) {
    for (const optimizer of ["adagrad", "rwsadagrad", "sgd"] as OptimizerName[]) {
      if (kind === "column" && optimizer === "rwsadagrad") continue;
      for (const n of [2, 3]) {
        it(`--sharding ${kind}, ${optimizer}, world size ${n}`, async () => {
          const cfg: TrainConfig = { ...base, optimizer, model: { ...base.model, interaction: "cat" } };
          const plan = forced(cfg, n, kind);
          expect(plan.placements.every((p) => p.kind === kind)).toBe(true);
          await expectParity(cfg, n, plan);
        });
      }
    }
  }

  it("a plan mixing every kind (dot interaction), world size 3", async () => {
    const cfg: TrainConfig = { ...base, model: { ...base.model, interaction: "dot" } };
    const kinds: ShardKind[] = ["row", "column", "replicated", "table", "table"];
    const plan = assemblePlan(
      3,
      cfg.model.tableRows,
      cfg.model.embeddingDim,
      kinds.map((kind, t) => ({ table: t, kind, ranks: kind === "table" ? [t % 3] : [0, 1, 2], reason: "test" })),
    );
    expect(plan.shards.map((s) => s.length)).toEqual([4, 4, 3]);
    await expectParity(cfg, 3, plan);
  });

  it("DCNv2's cross network (2 layers, rank 5) at world size 3, row-wise, with its gradients in the all-reduce", async () => {
    const cfg: TrainConfig = { ...base, model: { ...base.model, interaction: "dcn", dcnLayers: 2, dcnRank: 5 } };
    await expectParity(cfg, 3, forced(cfg, 3, "row"));
    const one = await run(cfg, 1);
    expect(one.weights.get("inter_arch.crossnet.V_kernels.1")!.shape).toEqual([5, 48]);
    expect(one.weights.get("inter_arch.crossnet.bias.0")!.data.some((v) => v !== 0)).toBe(true);
  });

  it("row pieces with more ranks than some bags reach (a 2-row table over 3 ranks)", async () => {
    const cfg: TrainConfig = { ...base, model: { ...base.model, tableRows: [2, 40, 30] } };
    await expectParity(cfg, 3, forced(cfg, 3, "row"));
  });

  it("reruns with row, column and replicated pieces are bit-identical", async () => {
    const cfg: TrainConfig = { ...base, model: { ...base.model, interaction: "dot" } };
    const plan = assemblePlan(
      2,
      cfg.model.tableRows,
      cfg.model.embeddingDim,
      (["row", "column", "replicated", "row", "column"] as ShardKind[]).map((kind, t) => ({
        table: t,
        kind,
        ranks: [0, 1],
        reason: "test",
      })),
    );
    const a = await run(cfg, 2, plan);
    const b = await run(cfg, 2, plan);
    expect(b.losses).toEqual(a.losses);
    for (const [k, t] of a.weights)
      expect(Buffer.from(b.weights.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
  });

  it("lazy mode with row pieces equals eager mode bit for bit", async () => {
    const plan = forced(base, 2, "row");
    const eager = await run(base, 2, plan);
    const lazy = await run({ ...base, mode: "lazy" }, 2, plan);
    expect(lazy.losses).toEqual(eager.losses);
  });

  it("an index outside its table is refused naming the table, even where row pieces would drop it", async () => {
    const cfg: TrainConfig = { ...base, numBatches: 1 };
    const plan = forced(cfg, 2, "row");
    const bad = (): BatchSource => {
      const src = createRandomSource(cfg, data);
      return {
        batchesPerEpoch: src.batchesPerEpoch,
        maxIndicesPerBag: src.maxIndicesPerBag,
        description: src.description,
        async *batches(epoch, from) {
          for await (const b of src.batches(epoch, from)) {
            b.sparse.indices[0] = 1000;
            yield b;
          }
        },
      };
    };
    await expect(
      trainRanks(
        2,
        () => referenceBackendFactory.create({ mode: "eager" }),
        cfg,
        bad,
        () => ({ plan }),
      ),
    ).rejects.toThrow(/index 1000 .* table 0/);
  });
});

describe("the all-to-all of indices", () => {
  it("gives every owner exactly its pieces' bags over the global batch (as selecting them from the whole batch would)", async () => {
    const cfg: TrainConfig = { ...base, numBatches: 1 };
    const T = cfg.model.tableRows.length;
    const plan = assemblePlan(
      3,
      cfg.model.tableRows,
      cfg.model.embeddingDim,
      (["row", "column", "replicated", "table", "row"] as ShardKind[]).map((kind, t) => ({
        table: t,
        kind,
        ranks: kind === "table" ? [2] : [0, 1, 2],
        reason: "test",
      })),
    );
    let global: Batch | undefined;
    for await (const b of createRandomSource(cfg, data).batches(0)) global = b;
    const b = cfg.batchSize / 3;
    const comms = createInProcessGroup(3);
    const routed = await Promise.all(
      comms.map((comm) =>
        exchangeIndices(comm, plan, localBags(global!.sparse, cfg.batchSize, T, comm.rank * b, b), b),
      ),
    );
    let nonEmpty = 0;
    routed.forEach((r, rank) => {
      const groups = shardGroups(plan.shards[rank]!);
      expect(r.inputs).toHaveLength(groups.length);
      groups.forEach((g, i) => {
        const want = selectPieces(global!.sparse, g.shards, cfg.batchSize, T);
        expect([...r.inputs[i]!.offsets]).toEqual([...want.offsets]);
        expect([...r.inputs[i]!.indices]).toEqual([...want.indices]);
        nonEmpty += want.indices.length;
      });
      expect(r.bytesSent).toBeGreaterThan(0);
    });
    expect(nonEmpty).toBeGreaterThan(0);
  });
});
