/** Tests of dlrm-style random data: determinism per batch, bag sizes, sorted unique indices. */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type RandomDataConfig } from "../config.js";
import { createRandomSource, randomBatch } from "./random-source.js";

const cfg = { ...DEFAULT_TRAIN_CONFIG, batchSize: 16, model: { ...DEFAULT_TRAIN_CONFIG.model, tableRows: [50, 3] } };
const data: RandomDataConfig = {
  kind: "random",
  dataSize: 100,
  numIndicesPerLookup: 5,
  numIndicesPerLookupFixed: false,
  roundTargets: true,
};

describe("random data", () => {
  it("is the same for the same seed and batch, different across batches and seeds", () => {
    const a = randomBatch(cfg, data, 3);
    expect(randomBatch(cfg, data, 3)).toEqual(a);
    expect(randomBatch(cfg, data, 4).dense).not.toEqual(a.dense);
    expect(randomBatch({ ...cfg, seed: 9 }, data, 3).dense).not.toEqual(a.dense);
  });

  it("draws bags of 1..min(rows, N) indices, sorted and de-duplicated, in range", () => {
    const b = randomBatch(cfg, data, 0);
    const { indices, offsets } = b.sparse;
    for (let t = 0; t < 2; t++) {
      for (let s = 0; s < 16; s++) {
        const bag = [...indices.subarray(offsets[t * 16 + s]!, offsets[t * 16 + s + 1]!)];
        expect(bag.length).toBeGreaterThanOrEqual(1);
        expect(bag.length).toBeLessThanOrEqual(Math.min(cfg.model.tableRows[t]!, 5));
        expect(bag).toEqual([...new Set(bag)].sort((x, y) => x - y));
        for (const r of bag) expect(r >= 0 && r < cfg.model.tableRows[t]!).toBe(true);
      }
    }
    for (const y of b.targets) expect(y === 0 || y === 1).toBe(true);
    for (const x of b.dense) expect(x >= 0 && x < 1).toBe(true);
  });

  it("sizes the batch buffers for de-duplicated bags: at most min(N, rows) indices per bag", () => {
    expect(createRandomSource(cfg, data).maxIndicesPerBag).toBe(5);
    expect(createRandomSource(cfg, { ...data, numIndicesPerLookup: 1_000_000 }).maxIndicesPerBag).toBe(50);
  });

  it("drops the partial batch, and --num-batches overrides the count", () => {
    expect(createRandomSource(cfg, data).batchesPerEpoch).toBe(6);
    expect(createRandomSource({ ...cfg, numBatches: 9 }, data).batchesPerEpoch).toBe(9);
    expect(() => createRandomSource(cfg, { ...data, dataSize: 5 })).toThrow(/no whole batch/);
  });
});
