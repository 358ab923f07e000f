/**
 * Multi-process reliability of `dlrm train --world-size N` end to end: reruns are
 * byte-identical; an N = 2 checkpoint resumes at 2 byte-identically and at 1 and 3 within
 * 1e-5; a killed, throwing or hanging rank, ranks started with different flags and a batch
 * that does not divide each end the job non-zero within 60 s naming the cause; SIGTERM to
 * the launcher stops every rank with one checkpoint; ranks wait out rank 0's preprocessing
 * past --dist-timeout; without Open MPI, one line says so.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "@dlrm/core";
import { MPIRUN_ROOT_ENV, mpirunArgs, runningAsRoot } from "@dlrm/comm-mpi";
import {
  CRITEO,
  MAIN,
  dlrm,
  dlrmSignalled,
  losses,
  mpiUnavailable,
  worstLossErr,
  worstRelErr,
} from "./distributed/e2e-util.js";

const missing = mpiUnavailable();
const required = process.env.DLRM_REQUIRE_MPI === "1";
const dir = mkdtempSync(join(tmpdir(), "dlrm-dist-rel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = [
  "--backend",
  "wasm",
  "--arch-embedding-size",
  "300-200-100-250-150",
  "--arch-sparse-feature-size",
  "8",
  "--arch-mlp-bot",
  "13-16-8",
  "--arch-mlp-top",
  "32-1",
  "--mini-batch-size",
  "24",
  "--learning-rate",
  "0.05",
  "--numpy-rand-seed",
  "3",
  "--print-freq",
  "1",
];
const bytes = (p: string): Buffer => readFileSync(join(dir, p));
const ck = (d: string, step: number): string => join(d, `checkpoint-${String(step).padStart(9, "0")}.safetensors`);

function ok(r: { status: number | null; stderr: string }): void {
  expect(r.stderr.replace(/^dlrm: starting .*\n/m, "")).toBe("");
  expect(r.status).toBe(0);
}

describe.skipIf(missing !== undefined && !required)(
  `multi-process reliability${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    it("the same command at the same world size gives byte-identical losses and checkpoints", () => {
      for (const run of ["a", "b"]) {
        ok(
          dlrm(dir, [
            "train",
            ...MODEL,
            "--world-size",
            "2",
            "--num-batches",
            "8",
            "--checkpoint-every",
            "4",
            "--checkpoint-dir",
            `ck-${run}`,
            "--log-jsonl",
            `${run}.jsonl`,
            "--save-model",
            `${run}.safetensors`,
          ]),
        );
      }
      expect(
        bytes("b.jsonl")
          .toString()
          .replace(/"(msPerIteration|samplesPerSecond|\w+Ms)":[^,}]+/g, ""),
      ).toBe(
        bytes("a.jsonl")
          .toString()
          .replace(/"(msPerIteration|samplesPerSecond|\w+Ms)":[^,}]+/g, ""),
      );
      expect(losses(join(dir, "b.jsonl"))).toEqual(losses(join(dir, "a.jsonl")));
      expect(bytes(ck("ck-b", 8)).equals(bytes(ck("ck-a", 8)))).toBe(true);
      expect(bytes("b.safetensors").equals(bytes("a.safetensors"))).toBe(true);
      const first = JSON.parse(readFileSync(join(dir, "a.jsonl"), "utf8").split("\n")[0]!) as Record<string, number>;
      expect(first["allToAllBytes"]).toBeGreaterThan(0);
      expect(first["allReduceBytes"]).toBeGreaterThan(0);
    }, 120_000);

    it("an N = 2 checkpoint has dlrm's names, resumes at 2 byte-identically and at 1 and 3 within 1e-5", () => {
      const names = [...readSafetensors(join(dir, ck("ck-a", 4))).keys()];
      expect(names).toContain("emb_l.4.weight");
      expect(names).toContain("top_l.2.bias");
      expect(names).toContain("optimizer.emb_l.0.weight.sum");
      ok(
        dlrm(dir, [
          "train",
          ...MODEL,
          "--world-size",
          "2",
          "--num-batches",
          "8",
          "--checkpoint-every",
          "4",
          "--checkpoint-dir",
          "ck-r2",
          "--resume",
          ck("ck-a", 4),
          "--save-model",
          "r2.safetensors",
          "--log-jsonl",
          "r2.jsonl",
        ]),
      );
      expect(bytes(ck("ck-r2", 8)).equals(bytes(ck("ck-a", 8)))).toBe(true);
      expect(bytes("r2.safetensors").equals(bytes("a.safetensors"))).toBe(true);
      const tail = losses(join(dir, "a.jsonl")).slice(4);
      for (const n of [1, 3]) {
        const r = dlrm(dir, [
          "train",
          ...MODEL,
          ...(n > 1 ? ["--world-size", String(n)] : []),
          "--num-batches",
          "8",
          "--checkpoint-dir",
          `ck-r${n}`,
          "--resume",
          ck("ck-a", 4),
          "--save-model",
          `r${n}.safetensors`,
          "--log-jsonl",
          `r${n}.jsonl`,
        ]);
        ok(r);
        expect(r.stdout).toMatch(/resume {6}.*checkpoint-000000004\.safetensors \(step 4\)/);
        expect(worstLossErr(losses(join(dir, `r${n}.jsonl`)), tail)).toBeLessThan(1e-5);
        expect(worstRelErr(join(dir, `r${n}.safetensors`), join(dir, "a.safetensors"))).toBeLessThan(1e-5);
      }
    }, 180_000);

    for (const [kind, message] of [
      ["kill", /rank 1 .*exited on signal 9/],
      ["throw", /dlrm: error: rank 1: injected fault after step 3/],
      ["hang", /rank 0: \w+ did not complete in 3 s/],
    ] as const) {
      it(`a rank that is ${kind === "kill" ? "killed (SIGKILL)" : kind === "throw" ? "throwing" : "hanging"} ends the whole job within 60 s, naming the rank`, () => {
        const r = dlrm(
          dir,
          ["train", ...MODEL, "--world-size", "2", "--num-batches", "400", "--dist-timeout", "3"],
          { DLRM_TEST_FAULT: `1:3:${kind}` },
          60_000,
        );
        expect(r.seconds).toBeLessThan(60);
        expect(r.status).not.toBe(0);
        expect(r.status).not.toBeNull();
        expect(r.stdout + r.stderr).toMatch(message);
      }, 70_000);
    }

    it("a non-finite loss stops every rank at the same step, reported once by rank 0", () => {
      const r = dlrm(dir, [
        "train",
        ...MODEL,
        "--world-size",
        "2",
        "--num-batches",
        "20",
        "--learning-rate",
        "1e38",
        "--optimizer",
        "sgd",
      ]);
      expect(r.status).toBe(1);
      const lines = r.stderr.split("\n").filter((l) => l.startsWith("dlrm: error: "));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^dlrm: error: loss became (NaN|Infinity|-Infinity) (at step|between steps) .*Stopping instead of training on garbage/,
      );
    }, 70_000);

    it("ranks started with different flags are refused at start, naming the first difference", () => {
      const node = [process.execPath, MAIN, "train", ...MODEL, "--num-batches", "4"];
      const args = [
        ...mpirunArgs({ np: 1, asRoot: runningAsRoot(), oversubscribe: true }),
        ...node,
        "--learning-rate",
        "0.1",
        ":",
        "-np",
        "1",
        ...node,
        "--learning-rate",
        "0.2",
      ];
      const t0 = performance.now();
      const r = spawnSync("mpirun", args, {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, ...MPIRUN_ROOT_ENV },
      });
      expect((performance.now() - t0) / 1000).toBeLessThan(60);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(
        /rank 1 was started differently from rank 0: config\.learningRate is 0\.2 on rank 1, 0\.1 on rank 0/,
      );
    }, 70_000);

    it("a global batch that does not divide over the ranks is refused naming both numbers", () => {
      const r = dlrm(dir, ["train", ...MODEL, "--world-size", "2", "--mini-batch-size", "25"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(
        /^dlrm: error: --mini-batch-size: the global batch 25 does not divide evenly over --world-size 2 ranks$/m,
      );
      const args = [
        ...mpirunArgs({ np: 2, asRoot: runningAsRoot(), oversubscribe: true }),
        process.execPath,
        MAIN,
        "train",
        ...MODEL,
        "--mini-batch-size",
        "25",
      ];
      const m = spawnSync("mpirun", args, {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, ...MPIRUN_ROOT_ENV },
      });
      expect(m.status).not.toBe(0);
      expect(m.stderr).toMatch(/the global batch 25 does not divide evenly over 2 ranks/);
    }, 70_000);

    it("the other ranks wait for rank 0's preprocessing longer than --dist-timeout without ending the job", () => {
      const raw = join(dir, "big.tsv");
      writeFileSync(raw, readFileSync(CRITEO, "utf8").repeat(80));
      const r = dlrm(dir, [
        "train",
        "--world-size",
        "2",
        "--data-generation",
        "dataset",
        "--raw-data-file",
        raw,
        "--processed-data-file",
        "big",
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
        "wasm",
        "--num-batches",
        "5",
        "--dist-timeout",
        "0.5",
      ]);
      rmSync(raw, { force: true });
      ok(r);
      const seconds = Number(/^Processed .*big: 800000 rows .*, ([\d.]+) s, /m.exec(r.stdout)?.[1]);
      expect(seconds).toBeGreaterThan(0.5);
      expect(r.stdout).toMatch(/^Done: 5 steps/m);
      expect(readdirSync(dir).filter((f) => f.includes(".rank0-"))).toEqual([]);
    }, 120_000);

    it("SIGTERM to the launcher stops every rank after the same step and writes one checkpoint", async () => {
      const r = await dlrmSignalled(
        dir,
        ["train", ...MODEL, "--world-size", "2", "--num-batches", "100000", "--checkpoint-dir", "ck-sig"],
        /Finished training it 5\//,
        "SIGTERM",
      );
      expect(r.code).toBe(143);
      expect(r.out).toMatch(/every rank stops after the current step and writes a checkpoint/);
      const files = readdirSync(join(dir, "ck-sig"));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^checkpoint-\d{9}\.safetensors$/);
      expect(r.out).toMatch(new RegExp(`checkpoint: .*${files[0]}`));
    }, 90_000);
  },
);

describe("without Open MPI", () => {
  it("--world-size 2 says in one line that Open MPI is missing and how to install it", () => {
    // A PATH that has node but no mpirun (node may live in /usr/bin beside mpirun).
    const bin = join(dir, "bin-without-mpi");
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, "node"));
    const r = dlrm(dir, ["train", ...MODEL, "--world-size", "2"], { PATH: bin });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^dlrm: error: --world-size 2: Open MPI is missing \(no mpirun on PATH\); install Open MPI \(sudo apt-get install openmpi-bin libopenmpi-dev/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
