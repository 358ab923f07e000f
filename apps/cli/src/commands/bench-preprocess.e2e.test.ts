/**
 * End-to-end test of `dlrm bench --preprocess` as a child process (built dist): on the real
 * rows repeated, it measures the byte parser beside the line parser, finds their outputs
 * identical, and writes the JSON and HTML reports; `dlrm preprocess --threads` is checked.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { PreprocessBenchReport } from "@dlrm/bench";

const MAIN = fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url));
const SAMPLE = fileURLToPath(new URL("../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dlrm-bench-pre-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dlrm = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe("dlrm bench --preprocess", () => {
  it("measures the byte parser beside the line parser on the same file, outputs identical, JSON and HTML", () => {
    const r = dlrm([
      "bench",
      "--preprocess",
      "--preprocess-rows",
      "25000",
      "--preprocess-threads",
      "2",
      "--preprocess-python",
      "none",
      "--rounds",
      "2",
      "--json",
      "pre.json",
      "--html",
      "pre.html",
    ]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(join(dir, "pre.json"), "utf8")) as PreprocessBenchReport;
    expect(j.kind).toBe("preprocess");
    expect(j.rows).toBe(25000);
    expect(j.identical).toBe(true);
    expect(j.timings.map((t) => t.name)).toEqual([
      "dlrm preprocess (byte parser, worker threads)",
      "dlrm preprocess (line parser, the previous one)",
    ]);
    for (const t of j.timings) {
      expect(t.seconds).toHaveLength(2);
      expect(t.rowsPerSecond).toBeCloseTo(25000 / t.medianSeconds, 6);
    }
    expect(j.pandas).toEqual({ unavailable: "skipped (--python none)" });
    expect(r.stdout).toMatch(/outputs identical: true/);
    expect(readFileSync(join(dir, "pre.html"), "utf8")).toMatch(
      /<td>dlrm preprocess \(line parser, the previous one\)<\/td>/,
    );
  });

  it("dlrm preprocess --threads: the same directory at 1 and 2 threads; a negative count is refused by name", () => {
    const out = (t: string): string => {
      const r = dlrm(["preprocess", "--raw-data-file", SAMPLE, "--processed-data-file", `p${t}`, "--threads", t]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/rows\/s, [0-9.]+ MB\/s/);
      const chunks = [0, 1, 2, 3, 4, 5, 6].map((c) =>
        readFileSync(join(dir, `p${t}`, "chunks", `00000${c}.json`), "utf8"),
      );
      return [readFileSync(join(dir, `p${t}`, "manifest.json"), "utf8"), ...chunks].join("\n");
    };
    expect(out("2")).toBe(out("1"));
    const bad = dlrm(["preprocess", "--raw-data-file", SAMPLE, "--processed-data-file", "px", "--threads", "-1"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--threads/);
  });
});
