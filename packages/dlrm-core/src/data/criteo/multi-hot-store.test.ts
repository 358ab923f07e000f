/**
 * Tests of the stored multi-hot bags on the 10,000 real Kaggle rows: the sidecars hold every
 * split's rows once, a source reading them yields the batches expandMultiHot makes of the
 * one-hot batches (shuffled, read per batch, a padded last test batch), matching settings are
 * reused, other settings are refused naming the setting (or rewritten with rebuild).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch, BatchSource } from "../batch.js";
import { withMultiHot } from "../multi-hot.js";
import { createCriteoDatasetSource, type CriteoSourceOptions } from "./dataset-source.js";
import { keyDifference, readManifest, StaleCacheError, type ManifestKey } from "./manifest.js";
import { ensureMultiHotStore, multiHotKey } from "./multi-hot-store.js";
import { preprocessCriteo } from "./preprocess.js";
import { ProcessedDataset } from "./processed-dataset.js";

const SAMPLE = new URL("../../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "dlrm-mhstore-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = join(tmp, "p");
const SIZES = [3, 1, 2, 4, 1, 1, 1, 1, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];

beforeAll(async () => {
  await preprocessCriteo({
    inputs: [SAMPLE],
    output: dir,
    dataSet: "kaggle",
    mapping: { kind: "modulo", range: 500 },
    chunkRows: 1000,
  });
});

async function all(s: BatchSource): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of s.batches(0)) out.push(b);
  return out;
}

describe("ensureMultiHotStore and the stored-bag source", () => {
  it("writes one sidecar per split, each row sum(k) ids, recorded in the manifest", async () => {
    const r = await ensureMultiHotStore(dir, multiHotKey(SIZES, 26, "pareto"));
    expect(r).toEqual({ written: true, rowInts: 37 });
    const m = readManifest(dir)!;
    expect(m.key.multiHot).toEqual({ sizes: SIZES, distribution: "pareto", seed: 0 });
    expect(m.multiHot!["train"]).toEqual({ file: "multi-hot-train.bin", rows: 8572, rowInts: 37 });
    expect(statSync(join(dir, "multi-hot-train.bin")).size).toBe(8572 * 37 * 4);
    expect(statSync(join(dir, "multi-hot-test.bin")).size + statSync(join(dir, "multi-hot-val.bin")).size).toBe(
      1428 * 37 * 4,
    );
  });

  const cases: [string, CriteoSourceOptions][] = [
    ["train, shuffled, in memory", { split: "train", batchSize: 64, randomize: "total", seed: 5, numBatches: 30 }],
    ["train, shuffled per day, read per batch", { split: "train", batchSize: 50, randomize: "day", memoryMap: true }],
    ["test, file order, padded last batch", { split: "test", batchSize: 100, keepPartial: true }],
    ["val, assembled in a worker", { split: "val", batchSize: 64, prefetchThread: "worker" }],
  ];
  for (const [label, o] of cases) {
    it(`${label}: the stored bags are expandMultiHot's of the one-hot batches`, async () => {
      const ds = ProcessedDataset.open(dir);
      try {
        const tableRows = ds.summary.tableRows;
        const stored = createCriteoDatasetSource(ds, { ...o, storedMultiHot: true });
        const expanded = withMultiHot(createCriteoDatasetSource(ds, o), SIZES, tableRows, 0, "pareto");
        expect(stored.maxIndicesPerBagByTable).toEqual(expanded.maxIndicesPerBagByTable);
        expect(stored.maxIndicesPerBag).toBe(expanded.maxIndicesPerBag);
        const [a, b] = [await all(stored), await all(expanded)];
        expect(a.length).toBe(b.length);
        expect(a.length).toBeGreaterThan(1);
        a.forEach((x, i) => {
          expect(x.sparse.indices, `batch ${i}`).toEqual(b[i]!.sparse.indices);
          expect(x.sparse.offsets, `batch ${i}`).toEqual(b[i]!.sparse.offsets);
          expect(x.dense).toEqual(b[i]!.dense);
          expect(x.targets).toEqual(b[i]!.targets);
        });
        if (o.keepPartial) expect((a[a.length - 1] as { count?: number }).count).toBe(14);
      } finally {
        await ds.close();
      }
    });
  }

  it("reuses matching sidecars and refuses other settings naming the setting, unless rebuild", async () => {
    const before = readFileSync(join(dir, "multi-hot-train.bin"));
    expect((await ensureMultiHotStore(dir, multiHotKey(SIZES, 26, "pareto"))).written).toBe(false);
    await expect(ensureMultiHotStore(dir, multiHotKey(SIZES, 26, "uniform"))).rejects.toThrow(
      /--multi-hot-distribution-type was "pareto", now "uniform"/,
    );
    await expect(ensureMultiHotStore(dir, multiHotKey([2], 26, "pareto"))).rejects.toThrow(StaleCacheError);
    await expect(ensureMultiHotStore(dir, multiHotKey([2], 26, "pareto"))).rejects.toThrow(
      /--multi-hot-sizes was \[3,1,2/,
    );
    const r = await ensureMultiHotStore(dir, multiHotKey([2], 26, "pareto"), { rebuild: true });
    expect(r).toEqual({ written: true, rowInts: 52 });
    expect(readFileSync(join(dir, "multi-hot-train.bin")).length).toBe(8572 * 52 * 4);
    expect(readFileSync(join(dir, "multi-hot-train.bin")).equals(before)).toBe(false);
  });

  it("keyDifference ignores the multi-hot settings unless both sides have them", () => {
    const key = readManifest(dir)!.key;
    const plain: ManifestKey = { ...key };
    delete plain.multiHot;
    expect(keyDifference(key, plain)).toBeUndefined();
    expect(keyDifference(plain, key)).toBeUndefined();
    expect(keyDifference(key, { ...key, multiHot: { ...key.multiHot!, seed: 1 } })).toBe("multi-hot seed was 0, now 1");
  });
});
