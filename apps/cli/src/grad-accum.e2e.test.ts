/**
 * `dlrm train --mlperf-grad-accum-iter N` as child processes on real Criteo rows, in file
 * order: N = 2 at --mini-batch-size 32 with SGD at lr equals one step at batch 64 with lr 2x,
 * bit for bit (the summed gradients of two mean losses are exactly twice the 64-row mean's,
 * a power-of-two scale), on the reference and gaudi backends; --num-batches counts
 * mini-batches; a bad N is one error line naming the flag. PyTorch parity of Adagrad with
 * accumulation is the torch-parity-kaggle-grad-accum fixture (test/e2e).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm, losses, worstRelErr } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-grad-accum-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "train.txt"), readFileSync(CRITEO, "utf8").split("\n").slice(0, 2000).join("\n") + "\n");

/** Criteo rows in file order, SGD, every step printed and logged. */
const base = (backend: string): string[] => [
  "train",
  "--backend",
  backend,
  "--data-generation",
  "dataset",
  "--raw-data-file",
  "train.txt",
  "--processed-data-file",
  "p",
  "--max-ind-range",
  "500",
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
  "--optimizer",
  "sgd",
  "--print-freq",
  "1",
];

describe("dlrm train --mlperf-grad-accum-iter", () => {
  for (const backend of ["reference", "gaudi"]) {
    it(`${backend}: 2 mini-batches of 32 at lr 0.1 are one step at batch 64 and lr 0.2, exactly`, () => {
      const accum = dlrm(dir, [
        ...base(backend),
        "--mini-batch-size",
        "32",
        "--num-batches",
        "12",
        "--mlperf-grad-accum-iter",
        "2",
        "--learning-rate",
        "0.1",
        "--log-jsonl",
        `${backend}-a.jsonl`,
        "--save-model",
        `${backend}-a.safetensors`,
      ]);
      expect(accum.stderr).toBe("");
      expect(accum.status).toBe(0);
      expect(accum.stdout).toContain(
        "note        --mlperf-grad-accum-iter 2: each step sums the gradients of 2 mini-batches of 32",
      );
      expect(accum.stdout).toMatch(/^Done: 6 steps \(384 samples\)/m);
      const whole = dlrm(dir, [
        ...base(backend),
        "--mini-batch-size",
        "64",
        "--num-batches",
        "6",
        "--learning-rate",
        "0.2",
        "--log-jsonl",
        `${backend}-b.jsonl`,
        "--save-model",
        `${backend}-b.safetensors`,
      ]);
      expect(whole.status, whole.stderr).toBe(0);
      expect(losses(join(dir, `${backend}-a.jsonl`))).toEqual(losses(join(dir, `${backend}-b.jsonl`)));
      expect(worstRelErr(join(dir, `${backend}-a.safetensors`), join(dir, `${backend}-b.safetensors`))).toBe(0);
    });
  }

  it("differs from one step at batch 64 with the same lr (the gradients are summed, not averaged)", () => {
    const at = (lr: string, batch: string, extra: string[]): string[] => [
      ...base("reference"),
      "--mini-batch-size",
      batch,
      "--num-batches",
      batch === "32" ? "4" : "2",
      "--learning-rate",
      lr,
      ...extra,
    ];
    const a = dlrm(dir, at("0.1", "32", ["--mlperf-grad-accum-iter", "2", "--save-model", "c.safetensors"]));
    const b = dlrm(dir, at("0.1", "64", ["--save-model", "d.safetensors"]));
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(worstRelErr(join(dir, "c.safetensors"), join(dir, "d.safetensors"))).toBeGreaterThan(1e-4);
  });

  it("refuses --mlperf-grad-accum-iter 0 in one line naming the flag", () => {
    const r = dlrm(dir, ["train", "--num-batches", "2", "--mlperf-grad-accum-iter", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --mlperf-grad-accum-iter: expected a positive integer, got 0",
    ]);
  });
});
