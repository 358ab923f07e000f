/**
 * dlrm's `--weighted-pooling` the way a user runs it: `dlrm train --weighted-pooling learned`
 * from PyTorch's initial weights on the fixture's rows and multi-hot bags reproduces
 * fixtures/torch-parity-weighted-learned (losses 1e-5 relative, the saved v_W_l.<t> and every
 * other tensor 1e-4 absolute) on every backend; a checkpoint holds v_W_l.<t> and its Adagrad
 * state, and resuming from it gives the uninterrupted run's file byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isOptimizerTensor, readSafetensors } from "@dlrm/core";
import { CRITEO, FIXTURES, dlrm, losses, worstLossErr } from "./distributed/e2e-util.js";

const fixture = join(FIXTURES, "torch-parity-weighted-learned");
const dir = mkdtempSync(join(tmpdir(), "dlrm-weighted-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const want = JSON.parse(readFileSync(join(fixture, "losses.json"), "utf8")) as { losses: number[] };
const train = (backend: string, tag: string): string[] => [
  "train",
  ...["--data-generation", "dataset", "--raw-data-file", CRITEO, "--max-ind-range", "100"],
  ...["--arch-embedding-size", new Array(26).fill(100).join("-"), "--multi-hot-sizes", "3"],
  ...["--arch-sparse-feature-size", "8", "--arch-mlp-bot", "13-16-8", "--arch-mlp-top", "16-1"],
  ...["--mini-batch-size", "32", "--num-batches", "15", "--learning-rate", "0.05", "--optimizer", "adagrad"],
  ...["--loss-function", "bce", "--print-freq", "1", "--backend", backend, "--weighted-pooling", "learned"],
  ...["--load-model", join(fixture, "init.safetensors")],
  ...["--log-jsonl", `${tag}.jsonl`, "--save-model", `${tag}.safetensors`],
];

describe("dlrm train --weighted-pooling learned reproduces PyTorch", () => {
  for (const backend of ["reference", "wasm", "gaudi", "webgpu"]) {
    it(`${backend}: 15 Adagrad steps, losses and saved weights (v_W_l.<t> included) as PyTorch's`, () => {
      const r = dlrm(dir, train(backend, backend));
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(worstLossErr(losses(join(dir, `${backend}.jsonl`)), want.losses)).toBeLessThan(1e-5);
      const ours = readSafetensors(join(dir, `${backend}.safetensors`), (name) => !isOptimizerTensor(name));
      const theirs = readSafetensors(join(fixture, "final.safetensors"));
      expect([...ours.keys()]).toEqual([...theirs.keys()]);
      expect(ours.get("v_W_l.25")!.shape).toEqual([100]);
      let worst = 0;
      for (const [k, t] of theirs)
        t.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.get(k)!.data[i]!))));
      expect(worst).toBeLessThan(1e-4);
      const w = ours.get("v_W_l.0")!.data;
      expect(w.some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    }, 120_000);
  }

  it("a checkpoint holds v_W_l.<t> and optimizer.v_W_l.<t>.sum; resuming gives the uninterrupted run's file", () => {
    const run = (extra: string[]): void => {
      const r = dlrm(dir, [
        "train",
        ...["--arch-embedding-size", "100-50-80", "--arch-sparse-feature-size", "4", "--arch-mlp-bot", "13-8-4"],
        ...["--arch-mlp-top", "8-1", "--mini-batch-size", "16", "--num-indices-per-lookup", "3"],
        ...["--optimizer", "adagrad", "--weighted-pooling", "learned", "--num-batches", "20", ...extra],
      ]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    };
    run(["--save-model", "whole.safetensors"]);
    run(["--checkpoint-every", "10", "--checkpoint-dir", "ck", "--save-model", "first.safetensors"]);
    const ck = readSafetensors(join(dir, "ck", "checkpoint-000000010.safetensors"));
    expect(ck.get("v_W_l.2")!.shape).toEqual([80]);
    expect(ck.get("optimizer.v_W_l.2.sum")!.shape).toEqual([80]);
    unlinkSync(join(dir, "ck", "checkpoint-000000020.safetensors"));
    run(["--resume", "ck", "--save-model", "resumed.safetensors"]);
    expect(readFileSync(join(dir, "resumed.safetensors")).equals(readFileSync(join(dir, "whole.safetensors")))).toBe(
      true,
    );
  }, 120_000);
});
