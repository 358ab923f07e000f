/**
 * Tests of preprocessing on the 10,000 real Kaggle rows: read-back equals direct parsing,
 * a killed run resumes to identical bytes redoing only unfinished chunks, stale caches are
 * refused, dictionaries in first-seen order, Kaggle/Terabyte splits, sub-sampling, shuffling.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCriteoLine } from "../criteo-line.js";
import { decodeRow, ROW_INTS } from "./binary-rows.js";
import { createCriteoDatasetSource } from "./dataset-source.js";
import { StaleCacheError } from "./manifest.js";
import { preprocessCriteo } from "./preprocess.js";
import { ProcessedDataset } from "./processed-dataset.js";
import { splitRange } from "./splits.js";

const SAMPLE = new URL("../../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const lines = readFileSync(SAMPLE, "utf8")
  .split("\n")
  .filter((l) => l.length > 0);
const parsed = lines.map((l, i) => parseCriteoLine(l, SAMPLE, i + 1));
const tmp = mkdtempSync(join(tmpdir(), "dlrm-pre-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const chunkBytes = (dir: string): string[] =>
  readdirSync(join(dir, "chunks"))
    .filter((f) => f.endsWith(".bin"))
    .sort()
    .map((f) => readFileSync(join(dir, "chunks", f)).toString("hex"));

describe("preprocessCriteo on the real Kaggle rows", () => {
  it("reads back exactly the values of direct parsing (modulo mapping)", async () => {
    const out = join(tmp, "mod");
    const r = await preprocessCriteo({
      inputs: [SAMPLE],
      output: out,
      dataSet: "kaggle",
      mapping: { kind: "modulo", range: 10000 },
      chunkRows: 1000,
    });
    expect(r.summary.rows).toBe(10000);
    expect(r.summary.dayRows).toEqual([1429, 1429, 1429, 1429, 1428, 1428, 1428]);
    expect(r.summary.chunks.map((c) => c.rows).slice(0, 3)).toEqual([1000, 429, 1000]);
    expect(r.summary.chunks.length).toBe(14);
    expect(r.summary.missingDense).toBeGreaterThan(0);
    const ds = ProcessedDataset.open(out);
    const rows = ds.loadRange(0, 10000);
    parsed.forEach((p, i) => {
      const got = decodeRow(rows, i);
      expect(got.label).toBe(p.label);
      expect(got.dense).toEqual(p.dense);
      expect(got.sparse).toEqual(p.sparse.map((h) => h % 10000));
    });
    const across = new Int32Array(10 * ROW_INTS);
    await ds.read(995, 10, across);
    expect(Array.from(across)).toEqual(Array.from(rows.subarray(995 * ROW_INTS, 1005 * ROW_INTS)));
    await ds.close();
  });

  it("resumes a killed run, redoing only unfinished chunks, to bytes identical to a clean run", async () => {
    const opts = {
      inputs: [SAMPLE],
      dataSet: "kaggle" as const,
      mapping: { kind: "modulo" as const, range: 997 },
      chunkRows: 1000,
      subSampleRate: 0.3,
      seed: 5,
    };
    const clean = await preprocessCriteo({ ...opts, output: join(tmp, "clean") });
    const killed = join(tmp, "killed");
    await expect(
      preprocessCriteo({
        ...opts,
        output: killed,
        afterChunk: (id) => {
          if (id === 4) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    expect(() => ProcessedDataset.open(killed)).toThrow(/did not finish/);
    const resumed = await preprocessCriteo({ ...opts, output: killed });
    expect(resumed.reusedChunks).toBe(5);
    expect(resumed.writtenChunks).toBe(clean.summary.chunks.length - 5);
    expect(chunkBytes(killed)).toEqual(chunkBytes(join(tmp, "clean")));
    expect(resumed.summary).toEqual(clean.summary);
    const again = await preprocessCriteo({ ...opts, output: killed });
    expect(again.writtenChunks).toBe(0);
  });

  it("refuses a stale cache naming what changed, and rebuilds when asked", async () => {
    const out = join(tmp, "stale");
    const base = { inputs: [SAMPLE], output: out, dataSet: "kaggle" as const, chunkRows: 5000 };
    await preprocessCriteo({ ...base, mapping: { kind: "modulo", range: 100 } });
    await expect(preprocessCriteo({ ...base, mapping: { kind: "modulo", range: 200 } })).rejects.toThrow(
      StaleCacheError,
    );
    await expect(preprocessCriteo({ ...base, mapping: { kind: "modulo", range: 200 } })).rejects.toThrow(
      /mapping \(--max-ind-range, --cat-min-frequency\) was \{"kind":"modulo","range":100\}/,
    );
    const copy = join(tmp, "copy.tsv");
    writeFileSync(copy, lines.slice(0, 100).join("\n"));
    const small = {
      ...base,
      inputs: [copy],
      output: join(tmp, "stale2"),
      mapping: { kind: "modulo" as const, range: 100 },
    };
    await preprocessCriteo(small);
    writeFileSync(copy, lines.slice(0, 101).join("\n"));
    await expect(preprocessCriteo(small)).rejects.toThrow(/copy\.tsv was \d+ bytes, now \d+/);
    const rebuilt = await preprocessCriteo({ ...small, rebuild: true });
    expect(rebuilt.summary.rows).toBe(101);
  });

  it("builds per-column dictionaries in first-seen order with a frequency threshold", async () => {
    const out = join(tmp, "dict");
    const r = await preprocessCriteo({
      inputs: [SAMPLE],
      output: out,
      dataSet: "kaggle",
      mapping: { kind: "dictionary", minFrequency: 1 },
    });
    const rows = ProcessedDataset.open(out).loadRange(0, 10000);
    const firstSeen = new Map<number, number>();
    parsed.forEach((p, i) => {
      const h = p.sparse[0]!;
      if (!firstSeen.has(h)) firstSeen.set(h, firstSeen.size);
      expect(decodeRow(rows, i).sparse[0]).toBe(firstSeen.get(h));
    });
    expect(r.summary.tableRows[0]).toBe(firstSeen.size);
    const thr = await preprocessCriteo({
      inputs: [SAMPLE],
      output: join(tmp, "dict5"),
      dataSet: "kaggle",
      mapping: { kind: "dictionary", minFrequency: 5 },
    });
    const counts = new Map<number, number>();
    for (const p of parsed) counts.set(p.sparse[2]!, (counts.get(p.sparse[2]!) ?? 0) + 1);
    const kept = [...counts.values()].filter((c) => c >= 5).length;
    expect(thr.summary.tableRows[2]).toBe(kept + (kept < counts.size ? 1 : 0));
    const rows5 = ProcessedDataset.open(join(tmp, "dict5")).loadRange(0, 10000);
    for (let i = 0; i < 10000; i++) expect(decodeRow(rows5, i).sparse[2]).toBeLessThan(thr.summary.tableRows[2]!);
  });

  it("sub-samples negatives of training days only", async () => {
    const r = await preprocessCriteo({
      inputs: [SAMPLE],
      output: join(tmp, "sub"),
      dataSet: "kaggle",
      mapping: { kind: "modulo", range: 50 },
      subSampleRate: 0.5,
      seed: 1,
    });
    const lastDay = 1428;
    expect(r.summary.dayRows[6]).toBe(lastDay);
    const trainNeg = parsed.slice(0, 10000 - lastDay).filter((p) => p.label === 0).length;
    expect(r.summary.subSampled).toBeGreaterThan(trainNeg * 0.4);
    expect(r.summary.subSampled).toBeLessThan(trainNeg * 0.6);
    expect(r.summary.rows).toBe(10000 - r.summary.subSampled);
  });

  it("splits the Terabyte layout at day 23 halves and Kaggle's last day into test and val", async () => {
    expect(splitRange("train", [10, 10, 7])).toEqual({ start: 0, end: 20 });
    expect(splitRange("test", [10, 10, 7])).toEqual({ start: 20, end: 23 });
    expect(splitRange("val", [10, 10, 7])).toEqual({ start: 23, end: 27 });
    const days = [0, 1, 2].map((d) => {
      const p = join(tmp, `day_${d}`);
      writeFileSync(p, lines.slice(d * 100, d * 100 + 100 + d).join("\n") + "\n");
      return p;
    });
    const r = await preprocessCriteo({
      inputs: days,
      output: join(tmp, "tb"),
      dataSet: "terabyte",
      mapping: { kind: "modulo", range: 10 },
    });
    expect(r.summary.dayRows).toEqual([100, 101, 102]);
  });

  it("delivers batches equal to the rows, shuffled once per seed, padded last batch for evaluation", async () => {
    const ds = ProcessedDataset.open(join(tmp, "mod"));
    const collect = async (src: ReturnType<typeof createCriteoDatasetSource>): Promise<number[]> => {
      const ys: number[] = [];
      for await (const b of src.batches(0))
        ys.push(...Array.from(b.targets.subarray(0, (b as { count?: number }).count ?? b.targets.length)));
      return ys;
    };
    const plain = createCriteoDatasetSource(ds, { split: "test", batchSize: 100, keepPartial: true, memoryMap: true });
    expect(plain.batchesPerEpoch).toBe(8);
    expect(await collect(plain)).toEqual(parsed.slice(8572, 8572 + 714).map((p) => p.label));
    const train = createCriteoDatasetSource(ds, { split: "train", batchSize: 64, randomize: "total", seed: 3 });
    const trainMm = createCriteoDatasetSource(ds, {
      split: "train",
      batchSize: 64,
      randomize: "total",
      seed: 3,
      memoryMap: true,
    });
    const a = await collect(train);
    expect(await collect(trainMm)).toEqual(a);
    expect(a).not.toEqual(parsed.slice(0, a.length).map((p) => p.label));
    expect(a.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    const day = createCriteoDatasetSource(ds, { split: "train", batchSize: 1429, randomize: "day", seed: 3 });
    const firstDay = (await collect(day)).slice(0, 1429);
    expect(firstDay.reduce((x, y) => x + y, 0)).toBe(parsed.slice(0, 1429).reduce((x, p) => x + p.label, 0));
    await ds.close();
  });
});
