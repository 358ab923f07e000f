/**
 * RELIABILITY.md's numerical promises on every registered backend: runs with the same seed
 * are bit-identical (including batches whose indices all hit one row), and a sparse update
 * changes exactly the touched rows of each table and of its Adagrad state.
 */
import { expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, trainModel, type Batch, type BatchSource, type TrainConfig } from "@dlrm/core";
import { BACKENDS } from "@dlrm/backends";
import { describeBackend } from "@dlrm/conformance/vitest";

const cfg: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: {
    embeddingDim: 5,
    tableRows: [64, 9],
    bottomMlp: [3, 8, 5],
    topMlp: [7, 1],
    interaction: "dot",
    interactionItself: false,
  },
  batchSize: 12,
  learningRate: 0.05,
  loss: "bce",
  printFreq: 2,
};

/** Batches whose every index is `row` (or the given rows per table), seeded dense values. */
function source(batches: number, rowsFor: (t: number, b: number, i: number) => number): BatchSource {
  const B = cfg.batchSize;
  const make = (i: number): Batch => {
    const dense = Float32Array.from({ length: B * 3 }, (_, k) => ((k * 7919 + i * 104729) % 1000) / 1000);
    const indices = Int32Array.from({ length: 2 * B }, (_, k) => rowsFor(Math.floor(k / B), k % B, i));
    const offsets = Int32Array.from({ length: 2 * B + 1 }, (_, k) => k);
    const targets = Float32Array.from({ length: B }, (_, b) => (b + i) % 2);
    return { dense, sparse: { indices, offsets }, targets };
  };
  return {
    batchesPerEpoch: batches,
    maxIndicesPerBag: 1,
    description: "fixed rows",
    async *batches(_e, from = 0) {
      for (let i = from; i < batches; i++) yield make(i);
    },
  };
}

for (const factory of BACKENDS) {
  describeBackend(factory.name, await factory.unavailableReason(), `reliability on ${factory.name}`, () => {
    it("runs with the same seed are bit-identical, also when every index hits one row", async () => {
      const runs: Uint32Array[][] = [];
      for (let r = 0; r < 3; r++) {
        const be = await factory.create();
        const { model } = await trainModel(
          be,
          cfg,
          source(6, (t) => (t === 0 ? 63 : 8)),
        );
        const tensors = [...model.namedParameters().map(([, t]) => t), ...model.optimizerState()];
        runs.push(await Promise.all(tensors.map(async (t) => new Uint32Array((await be.read(t)).slice().buffer))));
        be.dispose();
      }
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    });

    it("a sparse update changes the touched rows and their accumulators, and nothing else", async () => {
      const touched = [new Set([3, 17, 63]), new Set([0, 8])];
      const pick = (t: number, b: number): number => [...touched[t]!][b % touched[t]!.size]!;
      const be = await factory.create();
      const before = await trainModel(be, cfg, source(0, pick));
      const w0 = await before.model.stateDict();
      be.dispose();
      const be2 = await factory.create();
      const { model } = await trainModel(be2, cfg, source(1, pick), { initialWeights: w0 });
      const w1 = await model.stateDict();
      const acc = await model.optimizerStateDict();
      for (let t = 0; t < 2; t++) {
        const name = `emb_l.${t}.weight`;
        const D = cfg.model.embeddingDim;
        for (let row = 0; row < cfg.model.tableRows[t]!; row++) {
          const a = w0.get(name)!.data.subarray(row * D, (row + 1) * D);
          const b = w1.get(name)!.data.subarray(row * D, (row + 1) * D);
          const s = acc.get(name)!.data.subarray(row * D, (row + 1) * D);
          if (touched[t]!.has(row)) {
            expect([...b], `${name} row ${row} must change`).not.toEqual([...a]);
            expect(
              s.some((v) => v > 0),
              `${name} row ${row} accumulator must grow`,
            ).toBe(true);
          } else {
            expect([...b], `${name} row ${row} must not change`).toEqual([...a]);
            expect(
              s.every((v) => v === 0),
              `${name} row ${row} accumulator must stay 0`,
            ).toBe(true);
          }
        }
      }
      be2.dispose();
    });
  });
}
