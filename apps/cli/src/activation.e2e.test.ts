/**
 * dlrm's `--activation-function sigmoid` the way a user runs it: `dlrm train` from PyTorch's
 * initial weights on the fixture's rows reproduces fixtures/torch-parity-sigmoid (losses 1e-5
 * relative, saved weights 1e-4 absolute) on every backend, while the default relu run does
 * not; and `--save-onnx` writes the hidden layers as ONNX Sigmoid nodes (Relu nodes without
 * the flag). The exported graph's numbers are checked in onnx/dlrm-onnx.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import onnxProto from "onnx-proto";
import { isOptimizerTensor, readSafetensors } from "@dlrm/core";
import { CRITEO, FIXTURES, dlrm, losses, worstLossErr } from "./distributed/e2e-util.js";

const fixture = join(FIXTURES, "torch-parity-sigmoid");
const dir = mkdtempSync(join(tmpdir(), "dlrm-activation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const want = JSON.parse(readFileSync(join(fixture, "losses.json"), "utf8")) as { losses: number[] };
const train = (backend: string, tag: string, activation: string[]): string[] => [
  "train",
  ...["--data-generation", "dataset", "--raw-data-file", CRITEO, "--max-ind-range", "100"],
  ...["--arch-embedding-size", new Array(26).fill(100).join("-")],
  ...["--arch-sparse-feature-size", "8", "--arch-mlp-bot", "13-16-8", "--arch-mlp-top", "16-8-1"],
  ...["--mini-batch-size", "32", "--num-batches", "15", "--learning-rate", "0.05", "--optimizer", "adagrad"],
  ...["--loss-function", "bce", "--print-freq", "1", "--backend", backend, ...activation],
  ...["--load-model", join(fixture, "init.safetensors")],
  ...["--log-jsonl", `${tag}.jsonl`, "--save-model", `${tag}.safetensors`],
];

/** The nodes of op type `op` in the ONNX model `file`. */
function count(file: string, op: string): number {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(file));
  return (model.graph?.node ?? []).filter((n) => n.opType === op).length;
}

describe("dlrm train --activation-function sigmoid reproduces PyTorch", () => {
  for (const backend of ["reference", "wasm", "gaudi", "webgpu"]) {
    it(`${backend}: 15 Adagrad steps with sigmoid hidden layers, losses and saved weights as PyTorch's`, () => {
      const r = dlrm(dir, train(backend, backend, ["--activation-function", "sigmoid"]));
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(worstLossErr(losses(join(dir, `${backend}.jsonl`)), want.losses)).toBeLessThan(1e-5);
      const ours = readSafetensors(join(dir, `${backend}.safetensors`), (name) => !isOptimizerTensor(name));
      const theirs = readSafetensors(join(fixture, "final.safetensors"));
      expect([...ours.keys()]).toEqual([...theirs.keys()]);
      let worst = 0;
      for (const [k, t] of theirs)
        t.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.get(k)!.data[i]!))));
      expect(worst).toBeLessThan(1e-4);
    }, 120_000);
  }

  it("the default (relu) run on the same weights and rows does not give PyTorch's sigmoid losses", () => {
    const r = dlrm(dir, train("gaudi", "relu", []));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(worstLossErr(losses(join(dir, "relu.jsonl")), want.losses)).toBeGreaterThan(1e-3);
  }, 120_000);

  it("--save-onnx writes the 4 hidden layers as Sigmoid nodes (Relu without the flag) and the output's", () => {
    const r = dlrm(dir, [...train("gaudi", "onnx", ["--activation-function", "sigmoid"]), "--save-onnx", "m.onnx"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const file = join(dir, "m.onnx");
    expect(count(file, "Relu")).toBe(0);
    expect(count(file, "Sigmoid")).toBe(5);
    const relu = dlrm(dir, [...train("gaudi", "onnx-relu", []), "--save-onnx", "relu.onnx"]);
    expect(relu.status, relu.stdout + relu.stderr).toBe(0);
    expect(count(join(dir, "relu.onnx"), "Relu")).toBe(4);
    expect(count(join(dir, "relu.onnx"), "Sigmoid")).toBe(1);
  }, 120_000);
});
