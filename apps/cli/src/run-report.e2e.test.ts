/**
 * `dlrm train --print-wall-time` and `--print-precision N` as child processes: each printed
 * training line ends with the local wall time (HH:MM) of the run, and the printed loss and
 * accuracy carry N digits, the same numbers as the default lines rounded; a bad N is one
 * error line naming the flag.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dlrm } from "./distributed/e2e-util.js";
import { wallTimeSuffix } from "./shared/run-report-flags.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-run-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny run on the reference backend printing every other step. */
const TINY = [
  "train",
  "--backend",
  "reference",
  "--mini-batch-size",
  "16",
  "--num-batches",
  "6",
  "--print-freq",
  "2",
  "--arch-embedding-size",
  "50-60",
  "--arch-mlp-bot",
  "13-8-4",
  "--arch-sparse-feature-size",
  "4",
  "--arch-mlp-top",
  "8-1",
];

/** The "Finished training" lines of a run's stdout. */
const printLines = (stdout: string): string[] => stdout.split("\n").filter((l) => l.startsWith("Finished training"));

describe("dlrm train --print-wall-time / --print-precision", () => {
  it("appends the wall time (HH:MM) of the run to every printed training line", () => {
    const before = new Date();
    const r = dlrm(dir, [...TINY, "--print-wall-time"]);
    const after = new Date();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    /** Every minute the run was in, as the suffix dlrm writes. */
    const allowed = new Set<string>([wallTimeSuffix(after)]);
    for (let t = before.getTime(); t < after.getTime(); t += 60_000) allowed.add(wallTimeSuffix(new Date(t)));
    const lines = printLines(r.stdout);
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      const m = / \(\d\d:\d\d\)$/.exec(l);
      expect(m, l).not.toBeNull();
      expect([...allowed], l).toContain(m![0]);
    }
  });

  it("prints the loss and accuracy with N digits: the default lines' numbers, rounded", () => {
    const plain = dlrm(dir, TINY);
    const three = dlrm(dir, [...TINY, "--print-precision", "3"]);
    expect(plain.status).toBe(0);
    expect(three.status).toBe(0);
    const line = /loss (\d+\.\d+), accuracy (\d+\.\d+) %$/;
    const parse = (l: string): [string, string] => {
      const m = line.exec(l);
      expect(m, l).not.toBeNull();
      return [m![1]!, m![2]!];
    };
    const a = printLines(plain.stdout).map(parse);
    const b = printLines(three.stdout).map(parse);
    expect(b).toHaveLength(3);
    expect(a.map(([l]) => l.split(".")[1]!.length)).toEqual([6, 6, 6]);
    for (const [i, [loss, acc]] of b.entries()) {
      expect(loss.split(".")[1]).toHaveLength(3);
      expect(acc.split(".")[1]).toHaveLength(3);
      expect(Math.abs(Number(loss) - Number(a[i]![0]))).toBeLessThanOrEqual(0.0005 + 1e-6);
      expect(Math.abs(Number(acc) - Number(a[i]![1]))).toBeLessThanOrEqual(0.05 + 0.0005 + 1e-9);
    }
  });

  it("refuses a negative --print-precision in one line naming the flag", () => {
    const r = dlrm(dir, [...TINY, "--print-precision", "-1"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "dlrm: error: --print-precision: expected an integer from 0 to 20, got -1",
    ]);
  });
});
