/**
 * End-to-end tests of the `dlrm` command as a child process (bin/dlrm.js, which loads the
 * built dist/main.js): a tiny training run with per-print lines, JSONL log and summary;
 * no-argument defaults; PyTorch's per-step losses on Criteo rows through --load-model and
 * --data-generation dataset; one-line errors and exit codes for bad flags, files, features.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mpiUnavailable } from "./distributed/e2e-util.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The committed launcher npm links as `dlrm`; it loads dist/main.js. */
const MAIN = fileURLToPath(new URL("../bin/dlrm.js", import.meta.url));
const BUILT = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const PRINT_LINE =
  /^Finished training it (\d+)\/(\d+) of epoch (\d+), (\d+\.\d\d) ms\/it, loss (\d+\.\d{6}), accuracy (\d+\.\d) %$/;

let dir = "";

/** Runs `dlrm ...args` to completion with pipes (so no progress bar) and a time limit. */
function dlrm(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, DLRM_DEBUG: "", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BUILT))
    throw new Error(`${BUILT} is missing: build the CLI first (npx turbo run build --filter=@dlrm/cli)`);
  dir = mkdtempSync(join(tmpdir(), "dlrm-cli-e2e-"));
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("dlrm train runs", () => {
  it("trains a tiny configuration on the reference backend, printing dlrm's lines and a JSONL log", () => {
    const r = dlrm([
      "train",
      "--backend",
      "reference",
      "--mini-batch-size",
      "16",
      "--num-batches",
      "4",
      "--print-freq",
      "2",
      "--print-time",
      "--arch-embedding-size",
      "50-60",
      "--arch-mlp-bot",
      "13-8-4",
      "--arch-sparse-feature-size",
      "4",
      "--arch-mlp-top",
      "8-1",
      "--nepochs",
      "2",
      "--round-targets",
      "True",
      "--log-jsonl",
      "log.jsonl",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("  backend     reference (--backend reference)");
    expect(lines.some((l) => l.startsWith("  device      host CPU"))).toBe(true);
    expect(lines).toContain("  mode        eager, fp32");
    const prints = lines.filter((l) => PRINT_LINE.test(l)).map((l) => PRINT_LINE.exec(l)!.slice(1, 4).join(" "));
    expect(prints).toEqual(["2 4 0", "4 4 0", "2 4 1", "4 4 1"]);
    expect(lines.some((l) => l.startsWith("Done: 8 steps (128 samples)"))).toBe(true);

    const records = readFileSync(join(dir, "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    expect(records.map((x) => [x.step, x.epoch])).toEqual([
      [2, 0],
      [4, 0],
      [6, 1],
      [8, 1],
    ]);
    for (const x of records) {
      expect(Object.keys(x).sort()).toEqual([
        "accuracy",
        "dataWaitMs",
        "epoch",
        "learningRate",
        "loss",
        "msPerIteration",
        "samplesPerSecond",
        "step",
      ]);
      expect(x.loss).toBeGreaterThan(0);
      expect(x.accuracy).toBeGreaterThanOrEqual(0);
      expect(x.accuracy).toBeLessThanOrEqual(1);
      expect(x.learningRate).toBe(0.01);
      expect(x.dataWaitMs).toBeGreaterThanOrEqual(0);
      expect(x.dataWaitMs).toBeLessThanOrEqual(x.msPerIteration);
    }
  });

  it("without --print-time the lines carry no ms/it", () => {
    const r = dlrm([
      "train",
      "--backend",
      "reference",
      "--mini-batch-size",
      "8",
      "--num-batches",
      "2",
      "--print-freq",
      "1",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Finished training it 1\/2 of epoch 0, loss \d+\.\d{6}, accuracy \d+\.\d %$/m);
    expect(r.stdout).not.toMatch(/ms\/it, loss/);
  });

  it("without arguments trains the default configuration on the best backend and says which", () => {
    const r = dlrm(["train"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}backend {5}(gaudi native \(host CPU\)|[a-z]+) \(auto: the first available\)$/m);
    expect(r.stdout).toMatch(/^ {2}device {6}\S/m);
    expect(r.stdout).toMatch(/^ {2}parameters {2}69,777$/m);
    expect(r.stdout).toMatch(/^Finished training it 100\/100 of epoch 0, loss/m);
  });
});

/** Repository root: the fixtures folder lives there. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

describe("dlrm train on Criteo rows matches PyTorch", () => {
  const fixture = join(ROOT, "fixtures", "torch-parity-kaggle");
  const expected = (JSON.parse(readFileSync(join(fixture, "losses.json"), "utf8")) as { losses: number[] }).losses;

  it.each([
    ["reference", "eager"],
    ["wasm", "lazy"],
  ])(
    "--backend %s --mode %s reproduces every step's loss of fixtures/torch-parity-kaggle within 1e-5",
    (backend, mode) => {
      const log = `parity-${backend}.jsonl`;
      const r = dlrm([
        "train",
        "--backend",
        backend,
        "--mode",
        mode,
        "--data-generation",
        "dataset",
        "--raw-data-file",
        join(ROOT, "fixtures", "criteo", "kaggle-train-first10k.tsv"),
        "--max-ind-range",
        "1000",
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
        "0.05",
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
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(
        /^ {2}model {7}26 tables of 1,000 rows x 16; bottom MLP 13-32-16; dot interaction; top MLP 367-64-1$/m,
      );
      const losses = readFileSync(join(dir, log), "utf8")
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { loss: number }).loss);
      expect(losses).toHaveLength(expected.length);
      losses.forEach((loss, s) => expect(Math.abs(loss - expected[s]!) / expected[s]!, `step ${s}`).toBeLessThan(1e-5));
    },
  );
});

describe("dlrm errors", () => {
  /** Asserts one `dlrm: error:` line on stderr, no stack trace, and the exit code. */
  function expectOneLineError(r: ReturnType<typeof dlrm>, code: number, message: RegExp): void {
    expect(r.status).toBe(code);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dlrm: error: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }

  it("an unknown flag exits 2 naming it", () => {
    const r = dlrm(["train", "--mini-batch-size", "8", "--no-such-flag", "3"]);
    expectOneLineError(r, 2, /unknown option '--no-such-flag'/);
    expect(r.stdout).toBe("");
  });

  it("a bad value exits 2 naming the flag and value", () => {
    expectOneLineError(dlrm(["train", "--optimizer", "adam"]), 2, /--optimizer.*'adam'/);
    expectOneLineError(
      dlrm(["train", "--mini-batch-size", "0"]),
      2,
      /--mini-batch-size: expected a positive integer, got 0/,
    );
  });

  it("a missing weights file exits 1 naming the file, with the stack only under DLRM_DEBUG=1", () => {
    const r = dlrm(["train", "--backend", "reference", "--load-model", "missing.safetensors"]);
    expectOneLineError(r, 1, /missing\.safetensors/);
    const debug = dlrm(["train", "--backend", "reference", "--load-model", "missing.safetensors"], { DLRM_DEBUG: "1" });
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it("seed line i's flags (bf16, lazy; Medium's widths scaled down to run in seconds) train in lazy bf16", () => {
    const r = dlrm([
      "train",
      "--backend",
      "reference",
      "--world_size",
      "1",
      "--print-time",
      "--print-freq",
      "1",
      "--mode",
      "lazy",
      "--arch-interaction-op",
      "cat",
      "--arch-sparse-feature-size",
      "64",
      "--arch-embedding-size",
      "3000",
      "--arch-mlp-bot",
      "32-64",
      "--arch-mlp-top",
      "64-1",
      "--mini-batch-size",
      "32",
      "--learning-rate",
      "1e-05",
      "--num-batches",
      "2",
      "--num-indices-per-lookup",
      "38",
      "--optimizer",
      "adagrad",
      "--data_type",
      "bf16",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}mode {8}lazy, bf16$/m);
    expect(r.stdout).toMatch(/^Finished training it 2\/2 of epoch 0, [\d.]+ ms\/it, loss [\d.]+/m);
  });

  it("--world_size 2 with the seed's --distributed trains on two ranks (or says in one line that Open MPI is missing)", () => {
    const r = dlrm([
      "train",
      "--world_size",
      "2",
      "--distributed",
      "--backend",
      "wasm",
      "--num-batches",
      "3",
      "--print-freq",
      "1",
    ]);
    if (mpiUnavailable() === undefined) {
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^ {2}ranks {7}2 \(mpi\); global batch 128, 64 samples per rank/m);
      expect(r.stdout).toMatch(/^Finished training it 3\/3 of epoch 0/m);
    } else {
      expectOneLineError(r, 1, /--world-size 2: Open MPI/);
    }
  });

  it("dlrm train --help explains every flag with its default and exits 0", () => {
    const r = dlrm(["train", "--help"]);
    expect(r.status).toBe(0);
    for (const flag of [
      "--arch-mlp-top",
      "--round-targets",
      "--data_type",
      "--world_size",
      "--log-jsonl",
      "--backend",
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/--mini-batch-size <n> +samples per training step \(default: 128\)/);
  });
});
