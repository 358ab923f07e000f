/**
 * `dlrm train --mlperf-bin-loader` as child processes on dlrm's binary split files, written
 * here by /usr/bin/python3 with numpy as data_loader_terabyte.py's numpy_to_binary writes them
 * (int32 rows: label, 13 dense with negatives 0, 26 categorical int(hex, 16) % 1000, missing
 * 0) with RAW_fea_count.npz from np.savez: training and the test metrics equal those of the
 * same rows through a processed directory in file order; --mlperf-bin-shuffle changes the
 * batch order only; missing files are one error line naming the flag.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm, losses } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Kaggle's 7-day cut of 3000 rows: train is the first 6 days (2572 rows), test the first half of the last (214). */
const WRITE_BINS = `
import sys, numpy as np
rows = []
for line in open(sys.argv[1]).read().split('\\n')[:3000]:
    f = line.split('\\t')
    dense = [max(int(x), 0) if x else 0 for x in f[1:14]]
    cat = [int(x, 16) % 1000 if x else 0 for x in f[14:40]]
    rows.append([int(f[0])] + dense + cat)
a = np.array(rows, dtype=np.int32)
a[:2572].tofile(sys.argv[2] + '_train.bin')
a[2572:2572 + 214].tofile(sys.argv[2] + '_test.bin')
np.savez(sys.argv[3] + '_fea_count.npz', counts=np.full(26, 1000, dtype=np.int32))
`;

beforeAll(() => {
  writeFileSync(join(dir, "train.txt"), readFileSync(CRITEO, "utf8").split("\n").slice(0, 3000).join("\n") + "\n");
  mkdirSync(join(dir, "bins"));
  const py = spawnSync(
    "/usr/bin/python3",
    ["-c", WRITE_BINS, join(dir, "train.txt"), join(dir, "bins", "kaggle"), join(dir, "train.txt")],
    { encoding: "utf8" },
  );
  expect(py.status, py.stderr).toBe(0);
});

const RUN = [
  "train",
  "--backend",
  "reference",
  "--data-generation",
  "dataset",
  "--raw-data-file",
  "train.txt",
  "--max-ind-range",
  "1000",
  "--data-randomize",
  "none",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "32-1",
  "--loss-function",
  "bce",
  "--mini-batch-size",
  "64",
  "--num-batches",
  "20",
  "--print-freq",
  "1",
];
const BIN = [...RUN, "--processed-data-file", "bins/kaggle.npz", "--mlperf-bin-loader"];
const testLine = (stdout: string): string | undefined =>
  stdout.split("\n").find((l) => l.startsWith("Testing at step 20 on test (214 samples"));

describe("dlrm train --mlperf-bin-loader", () => {
  it("trains and tests on dlrm's .bin files exactly as on the same rows processed", () => {
    const processed = dlrm(dir, [...RUN, "--processed-data-file", "p", "--log-jsonl", "p.jsonl"], {}, 120_000);
    const bin = dlrm(dir, [...BIN, "--log-jsonl", "bin.jsonl"], {}, 120_000);
    expect(processed.status, processed.stderr).toBe(0);
    expect(bin.stderr).toBe("");
    expect(bin.status).toBe(0);
    expect(bin.stdout).toMatch(
      /bins\/kaggle_train\.bin: 2572 rows, 20 batches of 64, dlrm's \.bin split, categorical % 1000/,
    );
    const a = losses(join(dir, "p.jsonl"));
    expect(a).toHaveLength(20);
    expect(losses(join(dir, "bin.jsonl"))).toEqual(a);
    expect(testLine(bin.stdout)).toBeDefined();
    expect(testLine(bin.stdout)!.replace(/\(.* s\)/, "")).toBe(testLine(processed.stdout)!.replace(/\(.* s\)/, ""));
  });

  it("--mlperf-bin-shuffle reorders the training batches: other losses, the same set of batches per epoch", () => {
    const plain = dlrm(
      dir,
      [...BIN, "--num-batches", "0", "--learning-rate", "1e-9", "--log-jsonl", "a.jsonl"],
      {},
      120_000,
    );
    const shuffled = dlrm(
      dir,
      [...BIN, "--num-batches", "0", "--learning-rate", "1e-9", "--mlperf-bin-shuffle", "--log-jsonl", "b.jsonl"],
      {},
      120_000,
    );
    expect(plain.status, plain.stderr).toBe(0);
    expect(shuffled.status, shuffled.stderr).toBe(0);
    expect(shuffled.stdout).toContain("batch order shuffled per epoch");
    const a = losses(join(dir, "a.jsonl"));
    const b = losses(join(dir, "b.jsonl"));
    expect(b).not.toEqual(a);
    // At a learning rate of 1e-9 the weights barely move: the batches' losses are the same multiset.
    const sorted = (xs: number[]): number[] => [...xs].sort((x, y) => x - y);
    sorted(b).forEach((x, i) => expect(Math.abs(x - sorted(a)[i]!)).toBeLessThan(1e-5));
  });

  it("refuses a missing split file in one line naming the flag", () => {
    const r = dlrm(dir, [...RUN, "--processed-data-file", "nowhere/x.npz", "--mlperf-bin-loader"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --mlperf-bin-loader: nowhere/x_train.bin: no such file",
    ]);
  });
});
