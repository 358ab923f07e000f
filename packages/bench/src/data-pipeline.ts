/**
 * Data-pipeline benchmark: generates N synthetic rows in the raw Criteo format (seeded,
 * with empty fields and hashes >= 2^31) into a temp dir, then measures raw-to-binary
 * preprocessing (rows/s, MB/s) and batches/s delivered by the dataset source (in memory
 * and --memory-map, file order and shuffled), each with batches assembled on the main thread
 * and in a worker thread. Median of several runs; --json for JSON.
 * Usage: node dist/data-pipeline.js [--rows 2000000] [--runs 3] [--batch-size 128] [--json]
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCriteoDatasetSource,
  preprocessCriteo,
  ProcessedDataset,
  Rng,
  type CriteoSourceOptions,
} from "@dlrm/core";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Writes `rows` seeded synthetic Criteo lines: label ~26 % ones, 13 ints (20 % empty), 26 hashes (10 % empty). */
async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const rng = new Rng(7);
  const vocab = [
    1000, 500000, 5000000, 200, 30, 8000, 300, 20, 3000, 40000, 5000, 2000000, 3000, 20, 10000, 1000000, 10, 5000, 2000,
    4, 1500000, 20, 20, 200000, 100, 100000,
  ];
  const salt = vocab.map((_, t) => Math.imul(t + 1, 0x9e3779b1) >>> 0);
  let buf: string[] = [];
  for (let r = 0; r < rows; r++) {
    const f: string[] = [rng.uniform() < 0.26 ? "1" : "0"];
    for (let i = 0; i < 13; i++) f.push(rng.uniform() < 0.2 ? "" : String(Math.floor(Math.exp(rng.uniform() * 8)) - 2));
    for (let t = 0; t < 26; t++) {
      if (rng.uniform() < 0.1) f.push("");
      else f.push(((Math.imul(rng.int(vocab[t]!) + 1, 0x85ebca6b) ^ salt[t]!) >>> 0).toString(16).padStart(8, "0"));
    }
    buf.push(f.join("\t"));
    if (buf.length === 10000) {
      if (!out.write(buf.join("\n") + "\n")) await new Promise<void>((res) => out.once("drain", () => res()));
      buf = [];
    }
  }
  out.write(buf.length > 0 ? buf.join("\n") + "\n" : "");
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

async function batchesPerSecond(ds: ProcessedDataset, o: CriteoSourceOptions): Promise<number> {
  const src = createCriteoDatasetSource(ds, o);
  const t0 = performance.now();
  let n = 0;
  for await (const b of src.batches(0)) n += b.targets.length > 0 ? 1 : 0;
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const rows = arg("--rows", 2_000_000);
  const runs = arg("--runs", 3);
  const B = arg("--batch-size", 128);
  const dir = mkdtempSync(join(tmpdir(), "dlrm-bench-data-"));
  try {
    const raw = join(dir, "train.txt");
    const g0 = performance.now();
    await generate(raw, rows);
    const bytes = statSync(raw).size;
    const genSeconds = (performance.now() - g0) / 1000;
    const pre: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(dir, `processed-${i}`);
      const r = await preprocessCriteo({
        inputs: [raw],
        output: out,
        dataSet: "kaggle",
        mapping: { kind: "modulo", range: 10_000_000 },
      });
      pre.push(r.seconds);
      if (i < runs - 1) rmSync(out, { recursive: true, force: true });
    }
    const ds = ProcessedDataset.open(join(dir, `processed-${runs - 1}`));
    const layouts: [string, CriteoSourceOptions][] = [
      ["in memory, file order", { split: "train", batchSize: B, randomize: "none" }],
      ["in memory, shuffled (total)", { split: "train", batchSize: B, randomize: "total", seed: 1 }],
      ["memory-map, file order", { split: "train", batchSize: B, randomize: "none", memoryMap: true }],
      ["memory-map, shuffled (total)", { split: "train", batchSize: B, randomize: "total", seed: 1, memoryMap: true }],
    ];
    const variants: [string, CriteoSourceOptions][] = layouts.flatMap(([name, o]): [string, CriteoSourceOptions][] => [
      [`${name}, main thread`, { ...o, prefetchThread: "main" }],
      [`${name}, worker thread`, { ...o, prefetchThread: "worker" }],
    ]);
    const delivered: Record<string, number> = {};
    for (const [name, o] of variants) {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) xs.push(await batchesPerSecond(ds, o));
      delivered[name] = median(xs);
    }
    await ds.close();
    const s = median(pre);
    const result = {
      rows,
      inputBytes: bytes,
      runs,
      batchSize: B,
      generateSeconds: genSeconds,
      preprocess: { medianSeconds: s, rowsPerSecond: rows / s, megabytesPerSecond: bytes / 1e6 / s, allSeconds: pre },
      batchesPerSecond: delivered,
      samplesPerSecond: Object.fromEntries(Object.entries(delivered).map(([k, v]) => [k, v * B])),
    };
    if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write(`${rows} rows, ${(bytes / 1e6).toFixed(0)} MB raw; median of ${runs}\n`);
      process.stdout.write(
        `preprocess: ${s.toFixed(2)} s, ${Math.round(rows / s)} rows/s, ${(bytes / 1e6 / s).toFixed(1)} MB/s\n`,
      );
      for (const [k, v] of Object.entries(delivered))
        process.stdout.write(`batches of ${B}, ${k}: ${v.toFixed(0)} batches/s (${Math.round(v * B)} samples/s)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
