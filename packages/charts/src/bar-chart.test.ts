/**
 * The bar chart's spec (segments stacked end to end in the given order, the total after the
 * bar or its whisker, a legend only for several segment names) and its SVG: one rect per
 * segment, the whiskers, the dashed reference line and its label.
 */
import { describe, expect, it } from "vitest";
import { barChartSpec, formatValue, type BarChart } from "./bar-chart.js";
import { renderChart } from "./render.js";

const chart: BarChart = {
  title: "Op split",
  unit: "ms",
  bars: [
    {
      label: "pytorch",
      segments: [
        { name: "gemm", value: 3 },
        { name: "embedding", value: 2 },
      ],
      whisker: { min: 4, max: 6 },
    },
    { label: "wasm eager", segments: [{ name: "gemm", value: 1.5 }] },
  ],
  reference: { label: "peak", value: 9 },
};

type Layer = { name: string; data: { values: Record<string, unknown>[] }; encoding: { color?: { legend: unknown } } };

describe("barChartSpec", () => {
  const layers = (barChartSpec(chart) as unknown as { layer: Layer[] }).layer;
  const layer = (n: string): Layer => layers.find((l) => l.name === n)!;

  it("stacks each bar's segments end to end, in order", () => {
    expect(layer("bars").data.values.map((r) => [r.label, r.segment, r.start, r.end])).toEqual([
      ["pytorch", "gemm", 0, 3],
      ["pytorch", "embedding", 3, 5],
      ["wasm eager", "gemm", 0, 1.5],
    ]);
  });

  it("writes each total after the bar or its whisker, whichever ends later", () => {
    expect(layer("values").data.values).toEqual([
      { label: "pytorch", at: 6, text: "5.00 ms" },
      { label: "wasm eager", at: 1.5, text: "1.50 ms" },
    ]);
  });

  it("has a legend only when there are several segment names", () => {
    expect(layer("bars").encoding.color!.legend).not.toBeNull();
    const one = barChartSpec({ ...chart, bars: [chart.bars[1]!] }) as unknown as { layer: Layer[] };
    expect(one.layer[0]!.encoding.color!.legend).toBeNull();
  });

  it("formats values by size", () => {
    expect([formatValue(123.4), formatValue(4.567), formatValue(0.012345)]).toEqual(["123", "4.57", "0.0123"]);
  });
});

describe("renderChart of a bar chart", () => {
  it("draws a rect per segment, the whiskers, the reference line and its label", async () => {
    const svg = await renderChart("split", barChartSpec(chart));
    const group = (name: string): string => svg.split(`${name}_marks"`)[1]!.split("</g>")[0]!;
    expect(group("bars").match(/<path /g)).toHaveLength(3);
    expect(group("bars")).toContain('aria-label="pytorch embedding: 2 ms"');
    expect(group("whiskers").match(/<line /g)).toHaveLength(1);
    expect(group("reference").match(/<line /g)).toHaveLength(1);
    expect(group("reflabel")).toContain(">peak: 9.00 ms</text>");
    expect(svg).toMatch(/<text[^>]*>embedding<\/text>/);
  });

  it("says no data for a chart without bars", async () => {
    expect(await renderChart("none", barChartSpec({ ...chart, bars: [] }))).toMatch(/<text[^>]*>no data<\/text>/);
  });
});
