/**
 * End-to-end tests of the dataset commands as child processes (built dist): dlrm preprocess
 * on real Criteo rows, a stale cache refused with exit 1, dlrm train on the processed
 * directory printing test metrics and saving weights, and dlrm eval on those weights.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url));
const SAMPLE = fileURLToPath(new URL("../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dlrm-cli-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const raw = join(dir, "train.txt");
writeFileSync(raw, readFileSync(SAMPLE, "utf8").split("\n").slice(0, 3000).join("\n") + "\n");

function dlrm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, DLRM_DEBUG: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const model = [
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "32-1",
  "--loss-function",
  "bce",
  "--optimizer",
  "adagrad",
  "--mini-batch-size",
  "64",
  "--backend",
  "reference",
];
const METRICS =
  /^Testing.* on test \(214 samples, 4 batches, .*\): loss (\d\.\d+), accuracy (\d+\.\d+) %, auc (\d\.\d+), log loss (\d\.\d+)$/m;

describe("dlrm preprocess, train on processed data, eval", () => {
  it("preprocesses, refuses a stale cache, trains with test metrics and evaluates saved weights", () => {
    const pre = dlrm(["preprocess", "--raw-data-file", raw, "--processed-data-file", "p", "--max-ind-range", "1000"]);
    expect(pre.stderr).toBe("");
    expect(pre.status).toBe(0);
    expect(pre.stdout).toMatch(
      /^Processed .*p: 3000 rows in 7 days \(429, 429, 429, 429, 428, 428, 428\), 7 chunks written, 0 reused/,
    );

    const stale = dlrm(["preprocess", "--raw-data-file", raw, "--processed-data-file", "p", "--max-ind-range", "500"]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(
      /^dlrm: error: .*p: preprocessed data is stale \(mapping \(--max-ind-range, --cat-min-frequency\) was \{"kind":"modulo","range":1000\}, now \{"kind":"modulo","range":500\}\)/,
    );

    const train = dlrm([
      "train",
      "--data-generation",
      "dataset",
      "--raw-data-file",
      raw,
      "--processed-data-file",
      "p",
      "--max-ind-range",
      "1000",
      ...model,
      "--save-model",
      "w.safetensors",
    ]);
    expect(train.stderr).toBe("");
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/7 chunks written|0 chunks written, 7 reused/);
    const m = METRICS.exec(train.stdout);
    expect(m).not.toBeNull();

    const ev = dlrm([
      "eval",
      "--inference-only",
      "--load-model",
      "w.safetensors",
      "--processed-data-file",
      "p",
      "--max-ind-range",
      "1000",
      ...model,
    ]);
    expect(ev.stderr).toBe("");
    expect(ev.status).toBe(0);
    const e = METRICS.exec(ev.stdout);
    expect(e?.slice(1)).toEqual(m?.slice(1));
  });
});
