/**
 * Tests of batch assembly in a worker thread over the 10,000 real Kaggle rows, preprocessed
 * into a temp dir: byte-identical batches to the main-thread source (file order, shuffled,
 * in memory and --memory-map, partial last batch, resume cursor), read errors naming the
 * file, and a child process that breaks off or abandons an iteration and still exits.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch } from "../batch.js";
import { createCriteoDatasetSource, type CriteoSourceOptions } from "./dataset-source.js";
import { preprocessCriteo } from "./preprocess.js";
import { ProcessedDataset } from "./processed-dataset.js";

const SAMPLE = new URL("../../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const DIST_INDEX = new URL("../../../dist/index.js", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "dlrm-worker-"));
const dir = join(tmp, "processed");
let ds: ProcessedDataset;

beforeAll(async () => {
  await preprocessCriteo({
    inputs: [SAMPLE],
    output: dir,
    dataSet: "kaggle",
    mapping: { kind: "modulo", range: 5000 },
    chunkRows: 700,
  });
  ds = ProcessedDataset.open(dir);
});
afterAll(async () => {
  await ds.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Every batch of an epoch from `from`, each as the hex of its four arrays and its count. */
async function collect(o: CriteoSourceOptions, from = 0): Promise<string[]> {
  const out: string[] = [];
  const hex = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
  for await (const b of createCriteoDatasetSource(ds, o).batches(0, from)) {
    const c = (b as Batch & { count?: number }).count;
    out.push([hex(b.dense), hex(b.targets), hex(b.sparse.indices), hex(b.sparse.offsets), String(c)].join("/"));
  }
  return out;
}

describe("batch assembly in a worker thread", () => {
  const cases: [string, CriteoSourceOptions, number][] = [
    ["train, file order, in memory", { split: "train", batchSize: 128 }, 0],
    ["train, shuffled (total), in memory", { split: "train", batchSize: 128, randomize: "total", seed: 3 }, 0],
    [
      "train, shuffled (day), memory-map",
      { split: "train", batchSize: 100, randomize: "day", seed: 9, memoryMap: true },
      0,
    ],
    ["train, file order, memory-map, from batch 5", { split: "train", batchSize: 64, memoryMap: true, prefetch: 2 }, 5],
    ["test, partial last batch, in memory", { split: "test", batchSize: 100, keepPartial: true }, 0],
    ["val, partial last batch, memory-map", { split: "val", batchSize: 128, keepPartial: true, memoryMap: true }, 0],
  ];
  for (const [name, o, from] of cases) {
    it(`yields batches byte-identical to the main thread: ${name}`, async () => {
      const main = await collect({ ...o, prefetchThread: "main" }, from);
      const worker = await collect({ ...o, prefetchThread: "worker" }, from);
      expect(main.length).toBeGreaterThan(0);
      expect(worker.length).toBe(main.length);
      expect(worker).toEqual(main);
    });
  }

  it("rejects the iteration with an error naming the file when a chunk is truncated", async () => {
    const bad = join(tmp, "bad");
    await preprocessCriteo({
      inputs: [SAMPLE],
      output: bad,
      dataSet: "kaggle",
      mapping: { kind: "modulo", range: 5000 },
      chunkRows: 700,
    });
    const badDs = ProcessedDataset.open(bad);
    truncateSync(join(bad, "chunks", "000003.bin"), 160 * 10);
    const src = createCriteoDatasetSource(badDs, {
      split: "train",
      batchSize: 128,
      memoryMap: true,
      prefetchThread: "worker",
    });
    const run = async (): Promise<number> => {
      let n = 0;
      for await (const _ of src.batches(0)) n++;
      return n;
    };
    await expect(run()).rejects.toThrow(/000003\.bin/);
    await badDs.close();
  });

  it("lets the process exit by itself after an iteration is broken off or abandoned", () => {
    const script = `
      import { createCriteoDatasetSource, ProcessedDataset } from ${JSON.stringify(DIST_INDEX)};
      const ds = ProcessedDataset.open(${JSON.stringify(dir)});
      const src = createCriteoDatasetSource(ds, { split: "train", batchSize: 64, memoryMap: true, prefetchThread: "worker" });
      let n = 0;
      for await (const _ of src.batches(0)) if (++n === 3) break;
      const it = src.batches(0)[Symbol.asyncIterator]();
      await it.next();
      process.stdout.write("done " + n);
    `;
    const file = join(tmp, "abandon.mjs");
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, [file], { timeout: 20_000, encoding: "utf8" });
    expect(out).toBe("done 3");
  });
});
