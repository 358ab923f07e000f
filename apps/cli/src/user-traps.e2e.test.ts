/**
 * Issue 19's traps, end to end through `dlrm train`: --test-freq without a processed
 * directory is refused with what to add; the last step's test line prints once; a
 * processed directory is refused only for settings that change its contents, naming the
 * setting with its old and new value.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-traps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const raw = ["--data-generation", "dataset", "--max-ind-range", "100"];

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
});
