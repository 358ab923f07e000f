/**
 * Issue 19's traps, end to end through `dlrm train`: --test-freq without a processed
 * directory is refused with what to add; the last step's test line prints once; a
 * processed directory is refused only for settings that change its contents, naming the
 * setting with its old and new value; every path a user names that is missing, a
 * directory or otherwise unusable is one line naming the flag, the path and what to do;
 * `--load-model` of a `--save-model` file continues training exactly, while a weights-only
 * file (PyTorch's) starts it, and the start-up line says which; so too at world size 2 (mpirun).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "@dlrm/core";
import { CRITEO, FIXTURES, dlrm, losses, mpiUnavailable } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-traps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const raw = ["--data-generation", "dataset", "--max-ind-range", "100"];
const mpiMissing = mpiUnavailable();
const required = process.env.DLRM_REQUIRE_MPI === "1";

const at = (f: string): string => join(dir, f);

/** `dlrm train` on the fixture's Kaggle rows and model for `batches` steps, logging and saving as `tag`. */
function trainRun(batches: number, tag: string, extra: string[] = []): ReturnType<typeof dlrm> {
  return dlrm(dir, [
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
    "--mini-batch-size",
    "64",
    "--learning-rate",
    "0.05",
    "--optimizer",
    "adagrad",
    "--loss-function",
    "bce",
    "--print-freq",
    "1",
    "--num-batches",
    String(batches),
    "--log-jsonl",
    at(`${tag}.jsonl`),
    "--save-model",
    at(`${tag}.safetensors`),
    ...extra,
  ]);
}

/** 20 steps with --save-model, 20 more with --load-model: losses and every saved tensor byte-identical to 40 straight. */
function expectExactContinuation(tag: string, extra: string[]): void {
  const full = trainRun(40, `${tag}-full`, extra);
  expect(full.status, full.stderr).toBe(0);
  const first = trainRun(20, `${tag}-first`, extra);
  expect(first.status, first.stderr).toBe(0);
  const second = trainRun(40, `${tag}-second`, [...extra, "--load-model", at(`${tag}-first.safetensors`)]);
  expect(second.status, second.stderr).toBe(0);
  expect(second.stdout).toMatch(
    /^ {2}load-model {2}.*-first\.safetensors: a --save-model training state: continuing from step 20 /m,
  );
  expect([...losses(at(`${tag}-first.jsonl`)), ...losses(at(`${tag}-second.jsonl`))]).toEqual(
    losses(at(`${tag}-full.jsonl`)),
  );
  const want = readSafetensors(at(`${tag}-full.safetensors`));
  const got = readSafetensors(at(`${tag}-second.safetensors`));
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  expect([...want.keys()].some((n) => n.startsWith("optimizer."))).toBe(true);
  for (const [name, t] of want)
    expect(Buffer.from(got.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
}

describe("dlrm train: no silent traps", () => {
  it("--test-freq without --processed-data-file is refused, saying what to add", () => {
    const r = dlrm(dir, ["train", ...raw, "--raw-data-file", CRITEO, "--test-freq", "30"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dlrm: error: --test-freq: .*add --processed-data-file DIR/);
  });

  it("with --test-freq 30 --num-batches 30 the test line prints once", () => {
    const r = dlrm(dir, [
      "train",
      ...raw,
      "--raw-data-file",
      CRITEO,
      "--processed-data-file",
      join(dir, "proc"),
      "--test-freq",
      "30",
      "--num-batches",
      "30",
      "--mini-batch-size",
      "32",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^Testing at step 30 /gm)).toHaveLength(1);
  });

  it("a --numpy-rand-seed change keeps a processed directory unless it sub-samples, and says so", () => {
    const proc = join(dir, "seeded");
    const run = (seed: string, extra: string[] = []): ReturnType<typeof dlrm> =>
      dlrm(dir, [
        "train",
        ...raw,
        "--raw-data-file",
        CRITEO,
        "--processed-data-file",
        proc,
        "--data-randomize",
        "none",
        "--numpy-rand-seed",
        seed,
        "--num-batches",
        "2",
        "--mini-batch-size",
        "32",
        ...extra,
      ]);
    expect(run("1").status).toBe(0);
    const other = run("2");
    expect(other.status, other.stderr).toBe(0);
    const sub = join(dir, "seeded-sub");
    const subRun = (seed: string): ReturnType<typeof dlrm> =>
      dlrm(dir, [
        "preprocess",
        "--raw-data-file",
        CRITEO,
        "--processed-data-file",
        sub,
        "--max-ind-range",
        "100",
        "--data-sub-sample-rate",
        "0.5",
        "--numpy-rand-seed",
        seed,
      ]);
    expect(subRun("1").status).toBe(0);
    const refused = subRun("2");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^dlrm: error: .*seeded-sub: preprocessed data is stale \(--numpy-rand-seed was 1, now 2\)/,
    );
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("every named path that cannot be used is one line: flag, path, what is wrong, what to do", () => {
    const paths = join(dir, "paths");
    mkdirSync(join(paths, "a-dir"), { recursive: true });
    writeFileSync(join(paths, "a-file"), "not a directory\n");
    const missing = join(paths, "missing");
    const small = ["--num-batches", "1", "--mini-batch-size", "8"];
    const cases: [string, string[], string, RegExp][] = [
      ["--raw-data-file", ["train", ...raw, "--raw-data-file", missing], missing, /does not exist; check the path/],
      [
        "--raw-data-file",
        ["train", ...raw, "--raw-data-file", join(paths, "a-dir")],
        join(paths, "a-dir"),
        /is a directory; name a file/,
      ],
      ["--load-model", ["train", ...small, "--load-model", missing], missing, /does not exist/],
      ["--resume", ["train", ...small, "--resume", missing], missing, /does not exist/],
      [
        "--save-model",
        ["train", ...small, "--save-model", join(missing, "m.safetensors")],
        join(missing, "m.safetensors"),
        /directory .*missing does not exist; create it first/,
      ],
      [
        "--save-model",
        ["train", ...small, "--save-model", join(paths, "a-dir")],
        join(paths, "a-dir"),
        /is a directory; name a file to write/,
      ],
      [
        "--log-jsonl",
        ["train", ...small, "--log-jsonl", join(paths, "a-file", "log.jsonl")],
        join(paths, "a-file", "log.jsonl"),
        /a-file is not a directory/,
      ],
      [
        "--checkpoint-dir",
        ["train", ...small, "--checkpoint-dir", join(paths, "a-file")],
        join(paths, "a-file"),
        /is a file, not a directory/,
      ],
      [
        "--processed-data-file",
        ["train", ...raw, "--raw-data-file", CRITEO, "--processed-data-file", join(paths, "a-file")],
        join(paths, "a-file"),
        /is a file, not a directory/,
      ],
      [
        "--out",
        ["predict", "--raw-data-file", CRITEO, "--load-model", join(paths, "a-file"), "--out", join(missing, "p.txt")],
        join(missing, "p.txt"),
        /directory .*missing does not exist/,
      ],
      [
        "--load-model",
        ["eval", "--processed-data-file", join(dir, "proc"), "--load-model", join(paths, "a-dir")],
        join(paths, "a-dir"),
        /is a directory/,
      ],
      [
        "--raw-data-file",
        ["preprocess", "--raw-data-file", missing, "--processed-data-file", join(paths, "p")],
        missing,
        /does not exist/,
      ],
    ];
    // As root every file is readable: the unreadable case runs for other users only.
    if (process.getuid?.() !== 0) {
      const locked = join(paths, "locked.safetensors");
      writeFileSync(locked, "x", { mode: 0o000 });
      cases.push([
        "--load-model",
        ["train", ...small, "--load-model", locked],
        locked,
        /is not readable; check its permissions/,
      ]);
    }
    for (const [flag, args, path, problem] of cases) {
      const r = dlrm(dir, args);
      const what = `${args.join(" ")}: ${r.stderr}`;
      expect(r.status, what).toBe(1);
      expect(r.stderr.trimEnd().split("\n"), what).toHaveLength(1);
      expect(r.stderr.startsWith(`dlrm: error: ${flag}: ${path}: `), what).toBe(true);
      expect(r.stderr, what).toMatch(problem);
      expect(r.stderr, what).toMatch(/; [a-z]/);
      expect(r.stderr, what).not.toMatch(/ENOENT|EISDIR|ENOTDIR/);
    }
  });

  it("--load-model of a --save-model file continues exactly; a weights-only file starts training", () => {
    expectExactContinuation("one", ["--backend", "reference"]);
    const ended = trainRun(20, "ended", ["--backend", "reference", "--load-model", at("one-first.safetensors")]);
    expect(ended.status, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(
      /^dlrm: warning: --load-model .*one-first\.safetensors: its run already ended at step 20; nothing is left to train \(raise --nepochs or --num-batches\)$/m,
    );

    const init = join(FIXTURES, "torch-parity-kaggle", "init.safetensors");
    const fresh = trainRun(2, "fresh", ["--backend", "reference", "--load-model", init]);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(
      /^ {2}load-model {2}.*init\.safetensors: weights only: initial weights, a fresh optimizer/m,
    );
    const expected = (
      JSON.parse(readFileSync(join(FIXTURES, "torch-parity-kaggle", "losses.json"), "utf8")) as { losses: number[] }
    ).losses;
    expect(Math.abs(losses(at("fresh.jsonl"))[0]! - expected[0]!)).toBeLessThan(1e-5 * Math.abs(expected[0]!));

    const scored = dlrm(dir, [
      "predict",
      "--backend",
      "reference",
      "--raw-data-file",
      CRITEO,
      "--max-ind-range",
      "1000",
      "--load-model",
      at("one-second.safetensors"),
      "--out",
      at("scores.txt"),
    ]);
    expect(scored.status, scored.stderr).toBe(0);
    expect(readFileSync(at("scores.txt"), "utf8").trim().split("\n")).toHaveLength(10000);
  }, 120_000);
});

describe.skipIf(mpiMissing !== undefined && !required)("dlrm train --load-model across ranks", () => {
  it("a --world-size 2 row-sharded --save-model file continues exactly at world size 2", () => {
    expectExactContinuation("ranks", ["--backend", "gaudi", "--world-size", "2", "--sharding", "row"]);
  }, 120_000);
});
