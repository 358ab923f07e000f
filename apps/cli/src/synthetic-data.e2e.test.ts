/**
 * `dlrm train --data-generation synthetic --data-trace-file dist_emb_j.log` as child
 * processes: one distribution file per table (the j is the table number), trained on and
 * named in the start-up data line; the same run twice is identical and differs from plain
 * random data; a missing or malformed file and rows past a table are said naming the flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dlrm, losses } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-synthetic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "dist_emb_0.log"), "3, 1, 4, 15, 9\n0, 1, 2, 4\n0.3, 0.6, 0.8, 1.0\n");
writeFileSync(join(dir, "dist_emb_1.log"), "20, 7\n0, 1\n0.5, 1.0\n");
writeFileSync(join(dir, "bad.log"), "3, 1\n0, 1\n");

const RUN = [
  "train",
  "--backend",
  "reference",
  "--mini-batch-size",
  "16",
  "--num-batches",
  "6",
  "--print-freq",
  "1",
  "--arch-embedding-size",
  "50-60",
  "--arch-mlp-bot",
  "13-8-4",
  "--arch-sparse-feature-size",
  "4",
  "--arch-mlp-top",
  "8-1",
];
const SYNTHETIC = [...RUN, "--data-generation", "synthetic", "--data-trace-file", "dist_emb_j.log"];

describe("dlrm train --data-generation synthetic", () => {
  it("trains on the tables' trace distributions, deterministically, unlike random data", () => {
    const a = dlrm(dir, [...SYNTHETIC, "--log-jsonl", "a.jsonl"]);
    const b = dlrm(dir, [...SYNTHETIC, "--log-jsonl", "b.jsonl"]);
    const plain = dlrm(dir, [...RUN, "--log-jsonl", "plain.jsonl"]);
    expect(a.stderr).toBe("");
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(plain.status).toBe(0);
    expect(a.stdout).toMatch(
      /^ {2}data {8}random data: 6 batches of 16 per epoch, up to 10 indices per bag, synthetic indices from dist_emb_0\.log \.\.\. dist_emb_1\.log$/m,
    );
    const la = losses(join(dir, "a.jsonl"));
    expect(la).toHaveLength(6);
    expect(losses(join(dir, "b.jsonl"))).toEqual(la);
    expect(losses(join(dir, "plain.jsonl"))).not.toEqual(la);
  });

  it("notes rows past a table, taken modulo its rows", () => {
    const r = dlrm(dir, [...SYNTHETIC, "--arch-embedding-size", "10-60"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "note        --data-trace-file: 1 rows of dist_emb_0.log are past table 0's 10 rows; they are taken modulo 10 (dlrm does the same)",
    );
  });

  it("refuses a missing or malformed distribution file in one line naming the flag", () => {
    const missing = dlrm(dir, [...RUN, "--data-generation", "synthetic", "--data-trace-file", "none_j.log"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --data-trace-file: none_0.log (table 0): no such file",
    ]);
    const bad = dlrm(dir, [...RUN, "--data-generation", "synthetic", "--data-trace-file", "bad.log"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --data-trace-file: bad.log: line 3 (cumulative distribution) is missing",
    ]);
  });
});
