/**
 * `dlrm train --world-size 2` (mpirun) with QR and MD embeddings and learned pooling weights,
 * on the reference backend, gaudi and wasm: every step's loss and the saved weights within 1e-5
 * relative of one process; the start-up report shows each table's stored shapes; a
 * checkpoint written by two ranks resumes at two ranks byte for byte and at one within 1e-5;
 * row, column and replicated sharding are refused in one line naming --sharding. QR's tables
 * start large (uniform(sqrt(1/n), 1)) and MD's projections mix every column, and with Adagrad at
 * lr 0.05 these rows turn the ranks' other summation order (1e-7) into 1e-5..1e-2 (an element
 * whose first gradient nearly cancels takes a step of up to lr set by its last bits; SGD stays
 * near 1e-7; wasm and reference differ as much in one process), so the Adagrad cases of QR
 * and MD run at lr 0.01. The runs are awaited child processes, so the test worker stays responsive.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { MAIN, losses, mpiUnavailable, worstLossErr, worstRelErr, type RunResult } from "./distributed/e2e-util.js";

const missing = mpiUnavailable();
const required = process.env.DLRM_REQUIRE_MPI === "1";
const dir = mkdtempSync(join(tmpdir(), "dlrm-dist-variants-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMON = [
  ...["--arch-embedding-size", "300-200-100-250-150", "--arch-sparse-feature-size", "8", "--arch-mlp-top", "32-1"],
  ...["--num-indices-per-lookup", "4", "--mini-batch-size", "48", "--num-batches", "8", "--print-freq", "1"],
  ...["--numpy-rand-seed", "7"],
];

const CASES: { name: string; args: string[] }[] = [
  {
    name: "QR mult, adagrad",
    args: [
      ...["--arch-mlp-bot", "13-16-8", "--optimizer", "adagrad", "--learning-rate", "0.01"],
      ...["--qr-flag", "--qr-threshold", "180"],
    ],
  },
  {
    name: "QR add, sgd",
    args: [
      ...["--arch-mlp-bot", "13-16-8", "--optimizer", "sgd", "--learning-rate", "0.05"],
      ...["--qr-flag", "--qr-operation", "add", "--qr-threshold", "180"],
    ],
  },
  {
    name: "QR concat, sgd, cat",
    args: [
      ...[
        "--arch-mlp-bot",
        "13-16-16",
        "--optimizer",
        "sgd",
        "--learning-rate",
        "0.05",
        "--arch-interaction-op",
        "cat",
      ],
      ...["--qr-flag", "--qr-operation", "concat", "--qr-threshold", "50"],
    ],
  },
  {
    name: "MD, adagrad, lazy",
    args: [
      ...["--arch-mlp-bot", "13-16-8", "--optimizer", "adagrad", "--learning-rate", "0.01", "--mode", "lazy"],
      ...["--md-flag", "--md-threshold", "120"],
    ],
  },
  {
    name: "learned pooling weights, adagrad",
    args: [
      ...["--arch-mlp-bot", "13-16-8", "--optimizer", "adagrad", "--learning-rate", "0.05"],
      ...["--weighted-pooling", "learned"],
    ],
  },
];

/** Runs `dlrm ARGS` in the test directory without blocking the worker. */
function dlrm(args: readonly string[]): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, DLRM_DEBUG: "" } });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

async function train(
  args: string[],
  tag: string,
  n: number,
): Promise<{ losses: number[]; weights: string; stdout: string }> {
  const log = join(dir, `${tag}-${n}.jsonl`);
  const weights = join(dir, `${tag}-${n}.safetensors`);
  const r = await dlrm([
    "train",
    ...args,
    ...["--log-jsonl", log, "--save-model", weights],
    ...(n > 1 ? ["--world-size", String(n)] : []),
  ]);
  expect(r.stderr.replace(/^dlrm: starting .*\n/m, ""), r.stdout).toBe("");
  expect(r.status).toBe(0);
  return { losses: losses(log), weights, stdout: r.stdout };
}

describe.skipIf(missing !== undefined && !required)(
  `QR, MD and learned pooling weights through mpirun${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    it("Open MPI is available (required in CI)", () => {
      expect(missing).toBeUndefined();
    });

    for (const backend of ["reference", "gaudi", "wasm"]) {
      for (const [i, c] of CASES.entries()) {
        it(`${backend}: ${c.name}: world size 2 against 1`, async () => {
          const args = [...COMMON, ...c.args, "--backend", backend];
          const one = await train(args, `${backend}-${i}`, 1);
          const two = await train(args, `${backend}-${i}`, 2);
          expect(one.losses).toHaveLength(8);
          expect(worstLossErr(two.losses, one.losses)).toBeLessThan(1e-5);
          expect(worstRelErr(two.weights, one.weights)).toBeLessThan(1e-5);
        }, 120_000);
      }
    }

    it("the start-up report shows a QR table's stored shapes and places every table whole", async () => {
      const r = await train([...COMMON, ...CASES[0]!.args, "--backend", "reference"], "report", 2);
      expect(r.stdout).toMatch(/table 0: whole on rank \d \(weight_q 75 x 8 \+ weight_r 4 x 8, /);
      expect(r.stdout).toMatch(/table 4: whole on rank \d \(weight 150 x 8, /);
      expect(r.stdout).not.toMatch(/replicated|row-wise|split by/);
    }, 60_000);

    it("a learned-pooling checkpoint of two ranks resumes at two byte for byte, and at one within 1e-5", async () => {
      const args = [...COMMON, ...CASES[4]!.args, "--backend", "reference"];
      const whole = await train(args, "whole", 2);
      const first = await dlrm([
        "train",
        ...args,
        "--world-size",
        "2",
        "--checkpoint-every",
        "4",
        "--checkpoint-dir",
        "ck",
      ]);
      expect(first.status, first.stdout + first.stderr).toBe(0);
      unlinkSync(join(dir, "ck", "checkpoint-000000008.safetensors"));
      const two = await train([...args, "--resume", "ck"], "resumed", 2);
      expect(readFileSync(two.weights).equals(readFileSync(whole.weights))).toBe(true);
      const one = await train([...args, "--resume", "ck"], "resumed", 1);
      expect(worstRelErr(one.weights, whole.weights)).toBeLessThan(1e-5);
    }, 120_000);

    it("--sharding row, column or replicated with --md-flag is refused in one line naming --sharding", async () => {
      for (const sharding of ["row", "column", "replicated"]) {
        const r = await dlrm([
          "train",
          ...COMMON,
          ...CASES[3]!.args,
          ...["--backend", "reference", "--world-size", "2", "--sharding", sharding],
        ]);
        expect(r.status).not.toBe(0);
        expect(r.stderr.trim()).toBe(
          `dlrm: error: --sharding ${sharding}: cannot be combined with --md-flag: its tables are placed whole on one rank each; use --sharding auto or table`,
        );
      }
    }, 60_000);
  },
);
