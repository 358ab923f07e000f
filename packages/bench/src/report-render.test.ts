/**
 * The text and HTML renderings of a report carry the op-category split (every category with
 * its ms and share, the sum beside the step), PyTorch's row and the "x PyTorch" ratios, the
 * per-round medians and the peak-memory line; a report from before these fields still renders.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "./html-report.js";
import { OP_CATEGORIES } from "./op-split.js";
import { formatBench, opSplitTable } from "./text-report.js";
import { chartSvg, drawnSegments } from "./testing/chart-marks.js";
import { sampleReport } from "./testing/sample-report.js";
import type { BenchReport } from "./types.js";

describe("text report", () => {
  const text = formatBench(sampleReport());

  it("has the op split table: a column per category, a row per eager step, shares of the sum", () => {
    const table = opSplitTable(sampleReport()).split("\n");
    expect(table[0]).toMatch(
      new RegExp(`^backend\\s+mode\\s+${OP_CATEGORIES.join("\\s+")}\\s+sum\\s+step ms/it \\(that round\\)$`),
    );
    expect(table).toHaveLength(4);
    expect(table[2]).toMatch(
      /^wasm\s+eager\s+1\.920 \(40%\)\s+0\.960 \(20%\)\s+0\.480 \(10%\)\s+0\.480 \(10%\)\s+0\.480 \(10%\)\s+0\.480 \(10%\)\s+4\.800\s+4\.000$/,
    );
    expect(table[3]).toMatch(/^reference\s+eager\s/);
    expect(text).toContain("op split (eager;");
  });

  it("has PyTorch's row first, the ratio columns and the rounds", () => {
    expect(text).toMatch(/^PyTorch: 9\.00 ms\/it fp32, median of 2 round\(s\)/m);
    expect(text).toMatch(/^pytorch\s+eager\s+9\.00\s+8\.00-10\.00\s/m);
    expect(text).toMatch(/^wasm\s+eager\s+4\.00\s.*\s0\.44\s+0\.45\s+3\.80 4\.20$/m);
    expect(text).toContain("median of 2 rounds");
    expect(text).toContain("process peak RSS (maxRSS): 300 MiB");
  });

  it("renders a report without the new fields (schema 1 from before)", async () => {
    const old = sampleReport() as Partial<BenchReport>;
    delete old.torch;
    delete old.rounds;
    delete old.peakRssBytes;
    old.steps = old.steps!.map(({ opSplit: _o, vsTorch: _v, roundsMs: _r, ...rest }) => rest);
    const t = formatBench(old as BenchReport);
    expect(t).toContain("PyTorch not measured: not requested");
    expect(t).not.toContain("op split");
    expect(await renderHtml(old as BenchReport)).toContain('data-chart="op-split"');
  });
});

describe("HTML report", () => {
  let html = "";
  beforeAll(async () => {
    html = await renderHtml(sampleReport());
  });

  it("draws the op split as stacked bars, one segment per category for each eager row", () => {
    const segments = drawnSegments(html, "op-split");
    expect(segments.map((s) => s.name.split(" ").at(-1))).toEqual([...OP_CATEGORIES, ...OP_CATEGORIES]);
    expect(segments[0]).toEqual({ text: "wasm eager gemm: 1.92", name: "wasm eager gemm", value: 1.92 });
  });

  it("puts PyTorch in the ms chart and the ratios in the step table", () => {
    const ms = chartSvg(html, "ms-per-iteration");
    expect(ms).toContain("pytorch (fp32)");
    expect(html).toContain("x PyTorch (ratio of medians)");
    expect(html).toContain('<td class="num">0.44</td>');
    expect(html).toContain("PyTorch: 9.00 ms/it");
  });
});
