/**
 * Multi-hot bags stored by the processed dataset, the way a user runs it: `dlrm train
 * --processed-data-file DIR --multi-hot-sizes ... --multi-hot-distribution-type pareto` writes
 * a sidecar per split once and reads it, giving byte-identical losses and test metrics to
 * `--multi-hot-bags expanded` (expanding every batch on the fly, nothing stored); a second
 * run and a `dlrm preprocess --multi-hot-sizes` directory reuse the sidecars; other multi-hot
 * settings are refused in one line naming the setting, and --rebuild rewrites the bags.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CRITEO, dlrm } from "./distributed/e2e-util.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-mhstore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZES = "3,1,2,4,1,1,1,1,1,5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2";
const train = (processed: string, tag: string, extra: string[] = []): string[] => [
  "train",
  ...["--data-generation", "dataset", "--raw-data-file", CRITEO, "--processed-data-file", processed],
  ...["--max-ind-range", "1000", "--multi-hot-sizes", SIZES, "--multi-hot-distribution-type", "pareto"],
  ...["--arch-sparse-feature-size", "16", "--arch-mlp-bot", "13-32-16", "--arch-mlp-top", "64-1"],
  ...["--mini-batch-size", "64", "--num-batches", "30", "--print-freq", "1", "--test-freq", "15"],
  ...["--data-randomize", "total", "--backend", "gaudi", "--log-jsonl", `${tag}.jsonl`, ...extra],
];

/** Every logged step's loss and accuracy, and the test lines without their timings. */
function results(tag: string, stdout: string): { steps: string; tests: string[] } {
  const steps = readFileSync(join(dir, `${tag}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { step: number; loss: number; accuracy: number; test?: unknown })
    .filter((x) => x.test === undefined)
    .map((r) => `${r.step} ${r.loss} ${r.accuracy}`)
    .join("\n");
  const tests = stdout
    .split("\n")
    .filter((l) => l.startsWith("Testing at step"))
    .map((l) => l.replace(/, [0-9.]+ s\)/, ")"));
  return { steps, tests };
}

/** The first test's stored-bag results, which every later run of the same settings reproduces. */
let reference: { steps: string; tests: string[] } | undefined;

describe("dlrm train with multi-hot bags stored in the processed directory", () => {
  it("stored bags give byte-identical losses and test metrics to expanding on the fly", () => {
    const stored = dlrm(dir, train("stored", "stored"));
    expect(stored.status, stored.stdout + stored.stderr).toBe(0);
    expect(stored.stdout).toContain("multi-hot bags stored (37 ids a row, written)");
    expect(stored.stdout).toContain("multi-hot bags stored in the directory");
    for (const split of ["train", "test", "val"])
      expect(existsSync(join(dir, "stored", `multi-hot-${split}.bin`))).toBe(true);
    const expanded = dlrm(dir, train("expanded", "expanded", ["--multi-hot-bags", "expanded"]));
    expect(expanded.status, expanded.stdout + expanded.stderr).toBe(0);
    expect(existsSync(join(dir, "expanded", "multi-hot-train.bin"))).toBe(false);
    const a = results("stored", stored.stdout);
    const b = results("expanded", expanded.stdout);
    expect(a.steps.split("\n")).toHaveLength(30);
    expect(a.tests).toHaveLength(2);
    expect(a).toEqual(b);
    reference = a;
    const again = dlrm(dir, train("stored", "again"));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("multi-hot bags stored (37 ids a row, reused)");
    expect(results("again", again.stdout)).toEqual(a);
  }, 120_000);

  it("refuses a directory storing other multi-hot settings in one line naming the setting; --rebuild rewrites", () => {
    const r = dlrm(dir, [...train("stored", "other"), "--multi-hot-distribution-type", "uniform"]);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dlrm: error: .*--multi-hot-distribution-type was "pareto", now "uniform".*--rebuild/);
    const sizes = dlrm(dir, [...train("stored", "other"), "--multi-hot-sizes", "2"]);
    expect(sizes.stderr).toMatch(/--multi-hot-sizes was \[3,1,2,4,/);
    const rebuilt = dlrm(dir, [...train("stored", "rebuilt"), "--multi-hot-sizes", "2", "--rebuild"]);
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain("multi-hot bags stored (52 ids a row, written)");
  }, 120_000);

  it("dlrm preprocess --multi-hot-sizes stores the bags and dlrm train reads them as its own", () => {
    const pre = dlrm(dir, [
      "preprocess",
      ...["--raw-data-file", CRITEO, "--processed-data-file", "pre", "--max-ind-range", "1000"],
      ...["--multi-hot-sizes", SIZES, "--multi-hot-distribution-type", "pareto"],
    ]);
    expect(pre.status, pre.stderr).toBe(0);
    expect(pre.stdout).toContain("multi-hot bags stored (37 ids a row, written)");
    const r = dlrm(dir, train("pre", "pre"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("multi-hot bags stored (37 ids a row, reused)");
    expect(reference).toBeDefined();
    expect(results("pre", r.stdout)).toEqual(reference);
  }, 120_000);
});
