/**
 * `dlrm train --num-workers N` as child processes on real Criteo rows: N > 0 assembles the
 * training batches in a worker thread (said in the start-up data line) and trains exactly as
 * N = 0 on the main thread (same per-step losses); a conflicting --data-prefetch-thread and a
 * negative N are one error line naming the flag; with random data a note says it does nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm, losses } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-workers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "train.txt"), readFileSync(CRITEO, "utf8").split("\n").slice(0, 2000).join("\n") + "\n");

const RUN = [
  "train",
  "--backend",
  "reference",
  "--data-generation",
  "dataset",
  "--raw-data-file",
  "train.txt",
  "--processed-data-file",
  "p",
  "--max-ind-range",
  "500",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "32-1",
  "--mini-batch-size",
  "32",
  "--num-batches",
  "12",
  "--print-freq",
  "1",
];

/** The start-up block's data line of the training split. */
const trainLine = (stdout: string): string | undefined =>
  stdout.split("\n").find((l) => / train: \d+ rows, \d+ batches of 32/.test(l));

describe("dlrm train --num-workers", () => {
  it("assembles batches in a worker thread with n > 0 and trains exactly as on the main thread", () => {
    const main = dlrm(dir, [...RUN, "--num-workers", "0", "--log-jsonl", "main.jsonl"]);
    const worker = dlrm(dir, [...RUN, "--num-workers", "3", "--log-jsonl", "worker.jsonl"]);
    expect(main.stderr).toBe("");
    expect(worker.stderr).toBe("");
    expect(main.status).toBe(0);
    expect(worker.status).toBe(0);
    expect(trainLine(main.stdout)).toMatch(/assembled on the main thread$/);
    expect(trainLine(worker.stdout)).toMatch(/assembled in a worker thread$/);
    const a = losses(join(dir, "main.jsonl"));
    expect(a).toHaveLength(12);
    expect(losses(join(dir, "worker.jsonl"))).toEqual(a);
  });

  it("refuses a conflicting --data-prefetch-thread and a negative n in one line naming the flag", () => {
    const conflict = dlrm(dir, [...RUN, "--num-workers", "2", "--data-prefetch-thread", "main"]);
    expect(conflict.status).toBe(2);
    expect(conflict.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --num-workers: 2 assembles batches in a worker thread, but --data-prefetch-thread main was given",
    ]);
    const negative = dlrm(dir, [...RUN, "--num-workers", "-1"]);
    expect(negative.status).toBe(2);
    expect(negative.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --num-workers: expected a non-negative integer, got -1",
    ]);
  });

  it("says that it does nothing with random data", () => {
    const r = dlrm(dir, ["train", "--backend", "reference", "--num-batches", "2", "--num-workers", "4"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "note        --num-workers has no effect on random data: its batches are made on the main thread",
    );
  });
});
