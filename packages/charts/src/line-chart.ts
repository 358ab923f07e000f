/**
 * The Vega-Lite spec of a line chart: one line with point marks per series (a training
 * run), y against x (steps), several series overlaid with one palette colour each and a
 * legend of their names. A chart with no point at all shows its `empty` note instead.
 */
import type { TopLevelSpec } from "vega-lite";
import { colorScale } from "./palette.js";

/** One point of a series. */
export interface Point {
  x: number;
  y: number;
}

/** One named series; its points in x order. */
export interface Series {
  name: string;
  points: readonly Point[];
}

/** What a line chart shows. */
export interface LineChart {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Legend title (what a series is, e.g. "run"). */
  legendTitle: string;
  series: readonly Series[];
  /** Shown instead of the plot when no series has a point. */
  empty: string;
  /** Ticks only at whole x values (steps). */
  xIntegers?: boolean;
  width?: number;
  height?: number;
}

/** One data row of the spec: a point, its series and the text a screen reader gets. */
interface Row {
  series: string;
  x: number;
  y: number;
  desc: string;
}

/** Builds the chart's Vega-Lite spec; every series keeps its colour even where it has no point. */
export function lineChartSpec(c: LineChart): TopLevelSpec {
  const rows: Row[] = c.series.flatMap((s) =>
    s.points.map((p) => ({ series: s.name, x: p.x, y: p.y, desc: `${s.name} ${c.xTitle} ${p.x}: ${p.y}` })),
  );
  const size = { width: c.width ?? 640, height: c.height ?? 220 };
  if (rows.length === 0)
    return {
      width: size.width,
      height: 60,
      title: c.title,
      data: { values: [{ note: c.empty }] },
      mark: { type: "text", fontSize: 13, color: "#555" },
      encoding: { text: { field: "note", type: "nominal" } },
    };
  return {
    ...size,
    title: c.title,
    data: { values: rows },
    mark: { type: "line", point: true, strokeWidth: 1.8 },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: c.xTitle,
        scale: { zero: false },
        ...(c.xIntegers === true ? { axis: { tickMinStep: 1, format: "d" } } : {}),
      },
      y: { field: "y", type: "quantitative", title: c.yTitle, scale: { zero: false } },
      color: {
        field: "series",
        type: "nominal",
        title: c.legendTitle,
        scale: colorScale(c.series.map((s) => s.name)),
        legend: { orient: "bottom", direction: "vertical", labelLimit: 600 },
      },
      description: { field: "desc", type: "nominal" },
    },
  };
}
