/**
 * DLRMv2 the way a user runs it: `dlrm train --arch-interaction-op dcn --multi-hot-sizes ...`
 * on the real Criteo rows from PyTorch's initial weights (`--load-model`) reproduces
 * fixtures/torch-parity-dcnv2-multihot (made by torch_dlrm_ref.py --op dcn --multi-hot ...):
 * every step's loss within 1e-5 relative and the saved weights (TorchRec's cross-net names)
 * within 1e-4 absolute of PyTorch's, on every backend; at two ranks (mpirun) row-wise and
 * replicated alike; bf16 lazy within bf16's bound.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isOptimizerTensor, readSafetensors } from "@dlrm/core";
import { CRITEO, FIXTURES, dlrm, losses, worstLossErr } from "./distributed/e2e-util.js";

const fixture = join(FIXTURES, "torch-parity-dcnv2-multihot");
const dir = mkdtempSync(join(tmpdir(), "dlrm-dcn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("DLRMv2 (dcn, multi-hot) through dlrm train reproduces PyTorch", () => {
  const want = JSON.parse(readFileSync(join(fixture, "losses.json"), "utf8")) as {
    losses: number[];
    args: { multi_hot: string; bot: string; top: string; dcn_layers: number; dcn_rank: number };
  };
  for (const [backend, extra] of [
    ["reference", []],
    ["wasm", []],
    ["gaudi", []],
    ["webgpu", []],
    ["gaudi", ["--world-size", "2", "--sharding", "row"]],
    ["wasm", ["--world-size", "2", "--sharding", "replicated"]],
  ] as const) {
    const tag = [backend, ...extra].join("").replace(/[^a-z0-9]/gi, "");
    it(`${backend} ${extra.join(" ")}: 20 Adagrad steps from PyTorch's initial weights`, () => {
      const a = want.args;
      const r = dlrm(dir, [
        "train",
        ...["--data-generation", "dataset", "--raw-data-file", CRITEO, "--max-ind-range", "1000"],
        ...["--arch-sparse-feature-size", "16", "--arch-mlp-bot", a.bot, "--arch-mlp-top", a.top],
        ...["--arch-interaction-op", "dcn", "--dcn-num-layers", String(a.dcn_layers)],
        ...["--dcn-low-rank-dim", String(a.dcn_rank), "--multi-hot-sizes", a.multi_hot],
        ...["--mini-batch-size", "64", "--num-batches", "20", "--learning-rate", "0.01", "--optimizer", "adagrad"],
        ...["--loss-function", "bce", "--print-freq", "1", "--backend", backend],
        ...["--load-model", join(fixture, "init.safetensors")],
        ...["--log-jsonl", `${tag}.jsonl`, "--save-model", `${tag}.safetensors`],
        ...extra,
      ]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/dcn \(3 cross layers, rank 32\) interaction/);
      expect(worstLossErr(losses(join(dir, `${tag}.jsonl`)), want.losses)).toBeLessThan(1e-5);
      const ours = readSafetensors(join(dir, `${tag}.safetensors`), (name) => !isOptimizerTensor(name));
      const theirs = readSafetensors(join(fixture, "final.safetensors"));
      expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
      let worst = 0;
      for (const [k, t] of theirs)
        t.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.get(k)!.data[i]!))));
      expect(worst).toBeLessThan(1e-4);
      expect(ours.get("inter_arch.crossnet.W_kernels.2")!.shape).toEqual([432, 32]);
    }, 120_000);
  }

  it("bf16, lazy: each backend within 1e-2 of the reference's bf16 run (same operand rounding, another summation order)", () => {
    const a = want.args;
    const run = (backend: string): number[] => {
      const r = dlrm(dir, [
        "train",
        ...["--data-generation", "dataset", "--raw-data-file", CRITEO, "--max-ind-range", "1000"],
        ...["--arch-sparse-feature-size", "16", "--arch-mlp-bot", a.bot, "--arch-mlp-top", a.top],
        ...["--arch-interaction-op", "dcn", "--dcn-num-layers", String(a.dcn_layers)],
        ...["--dcn-low-rank-dim", String(a.dcn_rank), "--multi-hot-sizes", a.multi_hot],
        ...["--mini-batch-size", "64", "--num-batches", "20", "--learning-rate", "0.01", "--optimizer", "adagrad"],
        ...["--loss-function", "bce", "--print-freq", "1", "--backend", backend, "--mode", "lazy"],
        ...[
          "--data_type",
          "bf16",
          "--load-model",
          join(fixture, "init.safetensors"),
          "--log-jsonl",
          `bf16-${backend}.jsonl`,
        ],
      ]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      return losses(join(dir, `bf16-${backend}.jsonl`));
    };
    const reference = run("reference");
    expect(worstLossErr(reference, want.losses)).toBeGreaterThan(1e-5);
    for (const backend of ["wasm", "gaudi", "webgpu"]) expect(worstLossErr(run(backend), reference)).toBeLessThan(1e-2);
  }, 240_000);
});
