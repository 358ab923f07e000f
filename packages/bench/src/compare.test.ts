/**
 * Tests of `--compare`: rows are matched by backend, mode, op and shape, the ratio is
 * B / A of the medians, rows in one report only are listed, and a file that is not a
 * bench report is refused.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareReports, formatComparison, readBenchReport } from "./compare.js";
import { sampleReport } from "./testing/sample-report.js";

describe("compareReports", () => {
  it("gives B / A per matched row", () => {
    const { rows, unmatched } = compareReports(sampleReport(1), sampleReport(2));
    expect(unmatched).toEqual([]);
    expect(rows).toHaveLength(4 + 4 + 1);
    for (const r of rows) expect(r.ratio).toBeCloseTo(2, 9);
    expect(rows.map((r) => r.key)).toContain("step small wasm lazy");
    expect(rows.map((r) => r.key)).toContain("micro wasm gemm 128x64x13 nt (bot_l.0 forward)");
  });

  it("lists rows found in only one report", () => {
    const b = sampleReport(1);
    b.steps = b.steps.filter((s) => s.backend !== "reference");
    const { rows, unmatched } = compareReports(sampleReport(1), b);
    expect(unmatched).toEqual(["only in A: step small reference eager", "only in A: step small reference lazy"]);
    expect(rows.every((r) => !r.key.includes("reference eager"))).toBe(true);
  });

  it("formats a table with the ratios and both sources", () => {
    const text = formatComparison(sampleReport(1), sampleReport(0.5), ["a.json", "b.json"]);
    expect(text).toMatch(/^A: a\.json/);
    expect(text).toMatch(/step small wasm eager\s+4\.000\s+2\.000\s+0\.500/);
  });
});

describe("readBenchReport", () => {
  it("reads a written report and refuses other JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "dlrm-bench-compare-"));
    writeFileSync(join(dir, "a.json"), JSON.stringify(sampleReport()));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ kind: "dlrm-conformance" }));
    expect(readBenchReport(join(dir, "a.json")).config).toBe("small");
    expect(() => readBenchReport(join(dir, "bad.json"))).toThrow(/not a report written by dlrm bench --json/);
  });
});
