/** Tests of dlrm-style random data: determinism per batch, bag sizes, sorted unique indices; trace-based synthetic bags. */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type RandomDataConfig } from "../config.js";
import { createRandomSource, randomBatch } from "./random-source.js";
import { parseTraceDistribution } from "./trace-distribution.js";

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

describe("--rand-data-dist gaussian (dlrm's generate_dist_input_batch)", () => {
  const wide = { ...cfg, batchSize: 256, model: { ...cfg.model, tableRows: [1000, 1000] } };
  const gauss = (mu: number, sigma: number, min = 0, max = 999): RandomDataConfig => ({
    ...data,
    dataSize: 512,
    numIndicesPerLookup: 8,
    numIndicesPerLookupFixed: true,
    indexDistribution: { kind: "gaussian", min, max, mu, sigma },
  });

  it("centres the indices on mu with spread sigma, clipped to [min, max], sorted (ties truncated may repeat)", () => {
    const { indices, offsets } = randomBatch(wide, gauss(400, 20), 0).sparse;
    const all = [...indices];
    const mean = all.reduce((a, v) => a + v, 0) / all.length;
    const sd = Math.sqrt(all.reduce((a, v) => a + (v - mean) ** 2, 0) / all.length);
    expect(Math.abs(mean - 399.5)).toBeLessThan(2);
    expect(Math.abs(sd - 20)).toBeLessThan(2);
    for (let b = 0; b < offsets.length - 1; b++) {
      const bag = all.slice(offsets[b]!, offsets[b + 1]!);
      expect(bag.length).toBeGreaterThanOrEqual(1);
      expect(bag.length).toBeLessThanOrEqual(8);
      expect(bag).toEqual([...bag].sort((x, y) => x - y));
    }
    const clipped = [...randomBatch(wide, gauss(-1, 300, 100, 200), 0).sparse.indices];
    expect(Math.min(...clipped)).toBe(100);
    expect(Math.max(...clipped)).toBe(200);
    // mu -1: the middle of [min, max]; wide sigma piles draws on both bounds, de-duplicated per bag
    const bags = randomBatch(wide, gauss(-1, 300, 100, 200), 0).sparse;
    expect(bags.offsets[1]! - bags.offsets[0]!).toBeLessThan(8);
  });

  it("uniform ignores min and max, as dlrm does", () => {
    const u: RandomDataConfig = { ...data, indexDistribution: { kind: "uniform" } };
    expect(randomBatch(cfg, u, 2)).toEqual(randomBatch(cfg, data, 2));
  });

  it("refuses a range past a table's rows, an empty range and sigma <= 0, naming the flag", () => {
    expect(() => createRandomSource(wide, gauss(10, 1, 0, 1000))).toThrow(
      /--rand-data-max: 1000 is past table 0's last row 999/,
    );
    expect(() => createRandomSource(wide, gauss(10, 1, 5, 4))).toThrow(/--rand-data-max: 4 is below --rand-data-min 5/);
    expect(() => createRandomSource(wide, gauss(10, 0))).toThrow(/--rand-data-sigma/);
    expect(() => createRandomSource(wide, gauss(10, 1, -3, 10))).toThrow(/--rand-data-min/);
  });
});

describe("synthetic (trace) random data", () => {
  const a = parseTraceDistribution("40, 41, 42, 43\n0, 1, 3\n0.4, 0.8, 1.0\n", "a.log");
  const b = parseTraceDistribution("1, 2\n0, 2\n0.5, 1.0\n", "b.log");
  const traced: RandomDataConfig = {
    ...data,
    indexDistribution: { kind: "trace", tables: [a, b], enablePadding: false, files: ["a.log", "b.log"] },
  };

  it("draws every table's bags from its distribution's rows, sorted and distinct, the same per batch", () => {
    const batch = randomBatch(cfg, traced, 2);
    expect(randomBatch(cfg, traced, 2)).toEqual(batch);
    const { indices, offsets } = batch.sparse;
    const rows = [new Set([40, 41, 42, 43]), new Set([1, 2])];
    const seen = [new Set<number>(), new Set<number>()];
    for (let t = 0; t < 2; t++) {
      for (let s = 0; s < 16; s++) {
        const bag = [...indices.subarray(offsets[t * 16 + s]!, offsets[t * 16 + s + 1]!)];
        expect(bag.length).toBeGreaterThanOrEqual(1);
        expect(bag.length).toBeLessThanOrEqual(5);
        expect(bag).toEqual([...new Set(bag)].sort((x, y) => x - y));
        for (const r of bag) {
          expect(rows[t]!.has(r), `table ${t}: ${r}`).toBe(true);
          seen[t]!.add(r);
        }
      }
    }
    // The LRU replay starts from the stack's oldest row: every bag of table 0 holds 40.
    for (let s = 0; s < 16; s++) expect(indices[offsets[s]!]).toBe(40);
    expect(seen[0]!.size).toBeGreaterThan(1);
  });

  it("refuses a distribution count other than the tables'", () => {
    expect(() =>
      createRandomSource(cfg, {
        ...data,
        indexDistribution: { kind: "trace", tables: [a], enablePadding: false, files: ["a.log"] },
      }),
    ).toThrow("--data-trace-file: 1 distributions for 2 tables");
  });
});
