/**
 * The line chart's spec (one colour per series in the given order, one row per point,
 * the note for an empty chart) and its SVG from vega's headless view: a line and a point
 * per series and point, the legend naming every series, no URL in the markup.
 */
import { describe, expect, it } from "vitest";
import { lineChartSpec, type LineChart } from "./line-chart.js";
import { PALETTE } from "./palette.js";
import { renderChart } from "./render.js";

const chart: LineChart = {
  title: "Training loss",
  xTitle: "step",
  yTitle: "loss",
  legendTitle: "run",
  empty: "no steps",
  xIntegers: true,
  series: [
    {
      name: "a.jsonl",
      points: [
        { x: 2, y: 0.69 },
        { x: 4, y: 0.61 },
        { x: 6, y: 0.55 },
      ],
    },
    {
      name: "b <lr 0.1>",
      points: [
        { x: 2, y: 0.7 },
        { x: 4, y: 0.5 },
      ],
    },
  ],
};

describe("lineChartSpec", () => {
  it("has one row per point and one palette colour per series, in order", () => {
    const spec = lineChartSpec(chart) as unknown as {
      data: { values: { series: string; x: number; y: number }[] };
      encoding: { color: { scale: { domain: string[]; range: string[] } } };
    };
    expect(spec.data.values.map((r) => [r.series, r.x, r.y])).toEqual([
      ["a.jsonl", 2, 0.69],
      ["a.jsonl", 4, 0.61],
      ["a.jsonl", 6, 0.55],
      ["b <lr 0.1>", 2, 0.7],
      ["b <lr 0.1>", 4, 0.5],
    ]);
    expect(spec.encoding.color.scale).toEqual({ domain: ["a.jsonl", "b <lr 0.1>"], range: PALETTE.slice(0, 2) });
  });

  it("shows the empty note when no series has a point", () => {
    const spec = lineChartSpec({ ...chart, series: chart.series.map((s) => ({ ...s, points: [] })) }) as unknown as {
      data: { values: { note: string }[] };
      mark: { type: string };
    };
    expect(spec.data.values).toEqual([{ note: "no steps" }]);
    expect(spec.mark.type).toBe("text");
  });
});

describe("renderChart of a line chart", () => {
  it("draws a line per series, a point per point and a legend entry per series", async () => {
    const svg = await renderChart("loss", lineChartSpec(chart));
    expect(svg).toMatch(/^<svg data-chart="loss" /);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(svg).not.toMatch(/https?:/);
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(5);
    expect(svg).toContain('aria-label="b &lt;lr 0.1&gt; step 4: 0.5"');
    expect(svg).toMatch(/<text[^>]*>a\.jsonl<\/text>/);
    expect(svg).toMatch(/<text[^>]*>b &lt;lr 0\.1&gt;<\/text>/);
    expect(svg).toContain(`stroke="${PALETTE[1]}"`);
  });

  it("draws the empty note as text", async () => {
    const svg = await renderChart("auc", lineChartSpec({ ...chart, series: [] }));
    expect(svg).toMatch(/<text[^>]*>no steps<\/text>/);
    expect(svg).not.toContain("line mark");
  });
});
