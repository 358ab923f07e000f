/**
 * Issue 19 case 5, end to end through `dlrm train`: weights written by PyTorch with
 * dlrm_s_pytorch.py's categorical numbering (fixtures/torch-parity-dlrm-mapping, made by
 * tools/torch/torch_dlrm_ref.py --cat-mapping dlrm) load with --cat-mapping dlrm and give
 * PyTorch's per-step losses; without it the mismatch lists one tensor per line.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, FIXTURES, dlrm, losses as printLosses } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-mapping-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = join(FIXTURES, "torch-parity-dlrm-mapping");
const expected = (JSON.parse(readFileSync(join(fixture, "losses.json"), "utf8")) as { losses: number[] }).losses;

/** The fixture's model and run (its losses.json args) as `dlrm train` flags. */
const args = (mapping: string[], processed: string, log: string, raw = CRITEO): string[] => [
  "train",
  "--backend",
  "reference",
  "--data-generation",
  "dataset",
  "--raw-data-file",
  raw,
  "--processed-data-file",
  join(dir, processed),
  "--data-randomize",
  "none",
  "--max-ind-range",
  "1000",
  ...mapping,
  "--arch-sparse-feature-size",
  "16",
  "--arch-mlp-bot",
  "13-32-16",
  "--arch-mlp-top",
  "64-1",
  "--arch-interaction-op",
  "dot",
  "--mini-batch-size",
  "64",
  "--num-batches",
  String(expected.length),
  "--learning-rate",
  "0.01",
  "--optimizer",
  "adagrad",
  "--loss-function",
  "bce",
  "--load-model",
  join(fixture, "init.safetensors"),
  "--print-freq",
  "1",
  "--log-jsonl",
  log,
];

describe("dlrm train --cat-mapping dlrm loads dlrm_s_pytorch.py's weights", () => {
  it("tables sized by the values seen, and PyTorch's every step's loss within 1e-5", () => {
    const r = dlrm(dir, args(["--cat-mapping", "dlrm"], "proc-dlrm", "dlrm.jsonl"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}model {7}26 tables of rows 155-314-999-984-56-8-/m);
    const losses = printLosses(join(dir, "dlrm.jsonl"));
    expect(losses).toHaveLength(expected.length);
    losses.forEach((loss, s) => expect(Math.abs(loss - expected[s]!) / expected[s]!, `step ${s}`).toBeLessThan(1e-5));
  });

  it("dlrm's processed .npz of the same rows trains to the same losses, bit for bit", () => {
    const npz = join(FIXTURES, "dlrm-npz", "kaggle-first10k-processed.npz");
    const r = dlrm(dir, args([], "proc-npz", "npz.jsonl", npz));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}model {7}26 tables of rows 155-314-999-984-56-8-/m);
    const read = (f: string): string[] => printLosses(join(dir, f)).map(String);
    expect(read("npz.jsonl")).toEqual(read("dlrm.jsonl"));
    const plain = dlrm(dir, [
      "train",
      "--data-generation",
      "dataset",
      "--raw-data-file",
      npz,
      "--max-ind-range",
      "1000",
    ]);
    expect(plain.status).toBe(2);
    expect(plain.stderr).toMatch(/^dlrm: error: --raw-data-file: .*processed \.npz.*add --processed-data-file DIR/);
  });

  it("with the modulo mapping the mismatch lists one tensor per line and says what to add", () => {
    const r = dlrm(dir, args([], "proc-modulo", "modulo.jsonl"));
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^dlrm: error: .*init\.safetensors does not match the model \(2\d tensors\):$/);
    expect(lines[1]).toBe("  tensor emb_l.0.weight has shape [155, 16], the model needs [1000, 16]");
    expect(lines.filter((l) => /^ {2}tensor emb_l\.\d+\.weight has shape/.test(l)).length).toBeGreaterThan(20);
    expect(lines.at(-1)).toMatch(/--cat-mapping dlrm/);
  });

  it("--cat-mapping dlrm without a processed directory is refused, saying what to add", () => {
    const r = dlrm(dir, [
      "train",
      "--data-generation",
      "dataset",
      "--raw-data-file",
      CRITEO,
      "--max-ind-range",
      "1000",
      "--cat-mapping",
      "dlrm",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dlrm: error: --cat-mapping: .*add --processed-data-file DIR/);
  });
});
