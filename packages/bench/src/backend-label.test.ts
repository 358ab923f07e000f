/**
 * The backend named "gaudi" computes on the host CPU: every bench surface that shows its
 * figures (text tables, the HTML page, the JSON's backend entries) names it "gaudi native
 * (host CPU)"; other backends keep their plain names.
 */
import { describe, expect, it } from "vitest";
import { ReferenceBackend, withLazyMode, type BackendFactory } from "@dlrm/core";
import { BENCH_CONFIGS } from "./configs.js";
import { renderHtml } from "./html-report.js";
import { runBench } from "./run-bench.js";
import { formatBench } from "./text-report.js";
import { sampleReport } from "./testing/sample-report.js";
import type { BenchReport } from "./types.js";

/** The sample report with its wasm backend renamed gaudi. */
function gaudiReport(): BenchReport {
  const r = sampleReport();
  const rename = <T extends { backend: string }>(x: T): T => (x.backend === "wasm" ? { ...x, backend: "gaudi" } : x);
  return {
    ...r,
    steps: r.steps.map(rename),
    micro: r.micro.map(rename),
    peak: r.peak === null ? null : rename(r.peak),
    backends: r.backends.map((b) => (b.name === "wasm" ? { ...b, name: "gaudi" } : b)),
  };
}

describe("gaudi is labelled native (host CPU)", () => {
  it("in the text tables: step, op split, micro, backends and peak lines", () => {
    const text = formatBench(gaudiReport());
    expect(text).toMatch(/^gaudi native \(host CPU\)\s+eager\s+4\.00\s/m);
    expect(text).toMatch(/^gaudi native \(host CPU\)\s+lazy\s/m);
    expect(text).toMatch(/^backends: gaudi native \(host CPU\) \(/m);
    expect(text).toMatch(/^peak: 40\.00 GFLOP\/s \(gaudi native \(host CPU\),/m);
    expect(text).toMatch(/^reference\s+eager\s/m);
    expect(text).not.toMatch(/^gaudi\s+(eager|lazy)/m);
  });

  it("in the HTML page: chart labels, tables and the backend list", async () => {
    const html = await renderHtml(gaudiReport());
    expect(html).toContain("gaudi native (host CPU) eager");
    expect(html).toContain("<li>gaudi native (host CPU): ");
    expect(html).toContain("<td>gaudi native (host CPU)</td>");
    expect(html).not.toMatch(/<td>gaudi<\/td>/);
  });

  it("in the JSON: each backend entry carries its label", async () => {
    const fake: BackendFactory = {
      name: "gaudi",
      unavailableReason: async () => undefined,
      create: async (o = {}) => (o.mode === "lazy" ? withLazyMode(new ReferenceBackend()) : new ReferenceBackend()),
    };
    const report = await runBench({
      config: BENCH_CONFIGS.tiny!,
      precision: "fp32",
      factories: [fake],
      modes: ["eager"],
      iterations: 1,
      warmup: 0,
      peakSize: 0,
      micro: false,
      opSplit: false,
    });
    expect(report.backends.map((b) => [b.name, b.label])).toEqual([["gaudi", "gaudi native (host CPU)"]]);
  });
});
