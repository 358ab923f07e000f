/**
 * Multi-process parity of `dlrm train --world-size N` (mpirun, as root and oversubscribed on
 * a 2-core machine): world sizes 2 and 3 against 1 on the same global batch, on random data
 * and on real Criteo rows, on wasm and gaudi (webgpu at N = 2): every step's loss and the
 * final weights within 1e-5 relative in fp32 (bf16 within its tolerance), for dot and cat,
 * adagrad, rwsadagrad and sgd, eager and lazy; PyTorch's own fixture reproduced at N = 2, 4.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "@dlrm/core";
import { CRITEO, FIXTURES, dlrm, losses, mpiUnavailable, worstLossErr, worstRelErr } from "./distributed/e2e-util.js";

const missing = mpiUnavailable();
const required = process.env.DLRM_REQUIRE_MPI === "1";
const dir = mkdtempSync(join(tmpdir(), "dlrm-dist-parity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  args: string[];
  bf16: boolean;
}

const RANDOM = [
  "--arch-embedding-size",
  "300-200-100-250-150",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--num-indices-per-lookup",
  "4",
];
const DATASET = [
  "--data-generation",
  "dataset",
  "--raw-data-file",
  CRITEO,
  "--max-ind-range",
  "1000",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--loss-function",
  "bce",
];
const CASES: Case[] = [
  {
    name: "random rows, dot, adagrad, fp32, eager",
    args: [...RANDOM, "--arch-interaction-op", "dot", "--arch-mlp-top", "32-1", "--optimizer", "adagrad"],
    bf16: false,
  },
  {
    name: "Criteo rows, cat, rwsadagrad, fp32, lazy",
    args: [
      ...DATASET,
      "--arch-interaction-op",
      "cat",
      "--arch-mlp-top",
      "32-1",
      "--optimizer",
      "rwsadagrad",
      "--mode",
      "lazy",
    ],
    bf16: false,
  },
  {
    name: "Criteo rows, dot, sgd, bf16, eager",
    args: [
      ...DATASET,
      "--arch-interaction-op",
      "dot",
      "--arch-mlp-top",
      "32-1",
      "--optimizer",
      "sgd",
      "--learning-rate",
      "0.1",
      "--data_type",
      "bf16",
    ],
    bf16: true,
  },
  {
    name: "random rows, cat, adagrad, bf16, lazy",
    args: [
      ...RANDOM,
      "--arch-interaction-op",
      "cat",
      "--arch-mlp-top",
      "32-1",
      "--optimizer",
      "adagrad",
      "--data_type",
      "bf16",
      "--mode",
      "lazy",
    ],
    bf16: true,
  },
];
const COMMON = [
  "--mini-batch-size",
  "48",
  "--num-batches",
  "8",
  "--print-freq",
  "1",
  "--learning-rate",
  "0.05",
  "--numpy-rand-seed",
  "7",
];
/**
 * Relative, per step (losses) and per tensor (weights, L2). bf16 rounds every GEMM operand to
 * 8 bits of mantissa, so a sum that differs in order by one f32 ulp can round to another
 * bf16 value in the next product.
 */
const TOL = { fp32: 1e-5, bf16Loss: 1e-4, bf16Weights: 1e-4 };

function train(backend: string, c: Case, n: number, tag: string): { losses: number[]; weights: string } {
  const log = join(dir, `${tag}-${n}.jsonl`);
  const weights = join(dir, `${tag}-${n}.safetensors`);
  const r = dlrm(dir, [
    "train",
    ...COMMON,
    ...c.args,
    "--backend",
    backend,
    "--log-jsonl",
    log,
    "--save-model",
    weights,
    ...(n > 1 ? ["--world-size", String(n)] : []),
  ]);
  expect(
    r.stderr.replace(/^dlrm: starting .*\n/m, "").replace(/^Warning: max\w+ artificially reduced .*\n/gm, ""),
  ).toBe("");
  expect(r.status).toBe(0);
  if (n > 1) expect(r.stdout).toMatch(new RegExp(`ranks {7}${n} \\(mpi\\)`));
  return { losses: losses(log), weights };
}

describe.skipIf(missing !== undefined && !required)(
  `hybrid-parallel parity through mpirun${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    it("Open MPI is available (required in CI)", () => {
      expect(missing).toBeUndefined();
    });

    for (const [backend, sizes] of [
      ["wasm", [2, 3]],
      ["gaudi", [2, 3]],
      ["webgpu", [2]],
    ] as const) {
      for (const [i, c] of CASES.entries()) {
        if (backend === "webgpu" && i > 1) continue;
        it(`${backend}: ${c.name}: world sizes ${sizes.join(" and ")} against 1`, () => {
          const tag = `${backend}-${i}`;
          const one = train(backend, c, 1, tag);
          expect(one.losses).toHaveLength(8);
          for (const n of sizes) {
            const many = train(backend, c, n, tag);
            const loss = worstLossErr(many.losses, one.losses);
            const weights = worstRelErr(many.weights, one.weights);
            console.log(
              `${backend} ${c.name} N=${n}: worst step loss ${loss.toExponential(2)}, worst tensor ${weights.toExponential(2)}`,
            );
            expect(loss).toBeLessThan(c.bf16 ? TOL.bf16Loss : TOL.fp32);
            expect(weights).toBeLessThan(c.bf16 ? TOL.bf16Weights : TOL.fp32);
          }
        }, 240_000);
      }
    }

    it("a processed Criteo directory is built once by rank 0; --test-freq evaluates the whole test split as one process", () => {
      const raw = join(dir, "train.txt");
      writeFileSync(raw, readFileSync(CRITEO, "utf8").split("\n").slice(0, 3000).join("\n") + "\n");
      const args = [
        "train",
        "--data-generation",
        "dataset",
        "--raw-data-file",
        raw,
        "--processed-data-file",
        "p",
        "--max-ind-range",
        "1000",
        "--arch-sparse-feature-size",
        "8",
        "--arch-mlp-bot",
        "13-16-8",
        "--arch-mlp-top",
        "32-1",
        "--loss-function",
        "bce",
        "--mini-batch-size",
        "64",
        "--backend",
        "gaudi",
        "--test-freq",
        "10",
        "--print-freq",
        "10",
      ];
      const many = dlrm(dir, [...args, "--world-size", "2"]);
      expect(many.status).toBe(0);
      expect(many.stdout.match(/^Processed .*p: 3000 rows in 7 days/gm)).toHaveLength(1);
      expect(many.stdout).toMatch(/7 chunks written, 0 reused/);
      const one = dlrm(dir, args);
      expect(one.status).toBe(0);
      expect(one.stdout).toMatch(/0 chunks written, 7 reused/);
      const METRICS =
        /^Testing at .* on test \(214 samples, 4 batches, .*\): loss (\d\.\d+), accuracy (\d+\.\d+) %, auc (\d\.\d+), log loss (\d\.\d+)$/gm;
      const a = [...one.stdout.matchAll(METRICS)].map((m) => m.slice(1).map(Number));
      const b = [...many.stdout.matchAll(METRICS)].map((m) => m.slice(1).map(Number));
      expect(a.length).toBeGreaterThanOrEqual(2);
      expect(b).toHaveLength(a.length);
      a.forEach((row, i) =>
        row.forEach((v, j) => expect(Math.abs(b[i]![j]! - v)).toBeLessThanOrEqual(j === 1 ? 0.1 : 1e-4)),
      );
    }, 120_000);

    for (const backend of ["gaudi", "wasm"]) {
      it(`${backend}: PyTorch's Kaggle fixture (30 Adagrad steps from its initial weights) at world sizes 2 and 4 (its batch of 64 does not divide by 3)`, () => {
        const fixture = join(FIXTURES, "torch-parity-kaggle");
        const expected = (JSON.parse(readFileSync(join(fixture, "losses.json"), "utf8")) as { losses: number[] })
          .losses;
        const final = readSafetensors(join(fixture, "final.safetensors"));
        for (const n of [2, 4]) {
          const tag = `torch-${backend}-${n}`;
          const r = dlrm(dir, [
            "train",
            "--data-generation",
            "dataset",
            "--raw-data-file",
            CRITEO,
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
            "30",
            "--learning-rate",
            "0.05",
            "--optimizer",
            "adagrad",
            "--loss-function",
            "bce",
            "--print-freq",
            "1",
            "--backend",
            backend,
            "--world-size",
            String(n),
            "--load-model",
            join(fixture, "init.safetensors"),
            "--log-jsonl",
            `${tag}.jsonl`,
            "--save-model",
            `${tag}.safetensors`,
          ]);
          expect(r.status).toBe(0);
          expect(worstLossErr(losses(join(dir, `${tag}.jsonl`)), expected)).toBeLessThan(1e-5);
          const ours = readSafetensors(join(dir, `${tag}.safetensors`));
          const worst = Math.max(
            ...[...final].map(([k, t]) =>
              t.data.reduce((m, v, i) => Math.max(m, Math.abs(v - ours.get(k)!.data[i]!)), 0),
            ),
          );
          expect(worst).toBeLessThan(1e-3);
        }
      }, 120_000);
    }
  },
);
