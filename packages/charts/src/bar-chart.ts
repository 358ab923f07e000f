/**
 * The Vega-Lite spec of a horizontal bar chart: one bar per label, optionally stacked
 * from named segments (a legend when there are several), a min-max whisker per bar, the
 * total written after each bar and an optional dashed reference line (such as the GEMM
 * peak). Layers are named bars, whiskers, caps, values, reference and reflabel; their
 * marks carry those names in their SVG class (`bars_marks`, ...).
 */
import type { TopLevelSpec } from "vega-lite";
import { colorScale } from "./palette.js";

/** One stacked segment of a bar. */
export interface Segment {
  name: string;
  value: number;
}

/** One bar: a label and stacked segments (one for a plain bar); an optional min-max whisker. */
export interface Bar {
  label: string;
  segments: Segment[];
  whisker?: { min: number; max: number };
}

/** What a bar chart shows. */
export interface BarChart {
  title: string;
  unit: string;
  bars: Bar[];
  reference?: { label: string; value: number };
}

/** A value as the chart writes it: 3 significant digits below 1, 2 decimals below 100, else whole. */
export function formatValue(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/** Builds the chart's Vega-Lite spec; segment i of a bar spans [sum of segments before it, that plus its value]. */
export function barChartSpec(c: BarChart): TopLevelSpec {
  const labels = c.bars.map((b) => b.label);
  const names = [...new Set(c.bars.flatMap((b) => b.segments.map((s) => s.name)))];
  const segments = c.bars.flatMap((b) => {
    let at = 0;
    return b.segments.map((s) => {
      const row = {
        label: b.label,
        segment: s.name,
        start: at,
        end: at + s.value,
        desc: `${b.label} ${s.name}: ${s.value} ${c.unit}`,
      };
      at += s.value;
      return row;
    });
  });
  const totals = c.bars.map((b) => {
    const total = b.segments.reduce((a, s) => a + s.value, 0);
    return { label: b.label, at: Math.max(total, b.whisker?.max ?? 0), text: `${formatValue(total)} ${c.unit}` };
  });
  const whiskers = c.bars.flatMap((b) => (b.whisker === undefined ? [] : [{ label: b.label, ...b.whisker }]));
  const caps = whiskers.flatMap((w) => [
    { label: w.label, x: w.min },
    { label: w.label, x: w.max },
  ]);
  const maxValue = Math.max(1e-12, ...totals.map((t) => t.at), c.reference?.value ?? 0);
  const x = { type: "quantitative" as const, scale: { domain: [0, maxValue * 1.18], nice: false }, title: c.unit };
  const y = {
    field: "label",
    type: "nominal" as const,
    sort: labels,
    title: null,
    axis: { labelLimit: 320, labelFontSize: 12 },
  };
  const size = { width: 520, height: { step: 30 } };
  if (c.bars.length === 0)
    return {
      width: 520,
      height: 40,
      title: c.title,
      data: { values: [{ note: "no data" }] },
      mark: { type: "text", fontSize: 13, color: "#555" },
      encoding: { text: { field: "note", type: "nominal" } },
    };
  const reference =
    c.reference === undefined
      ? []
      : [
          {
            name: "reference",
            data: { values: [{ x: c.reference.value }] },
            mark: { type: "rule" as const, color: "#D55E00", strokeWidth: 2, strokeDash: [6, 4] },
            encoding: { x: { field: "x", ...x } },
          },
          {
            name: "reflabel",
            data: {
              values: [
                { x: c.reference.value, text: `${c.reference.label}: ${formatValue(c.reference.value)} ${c.unit}` },
              ],
            },
            mark: {
              type: "text" as const,
              align: "right" as const,
              baseline: "bottom" as const,
              dx: -4,
              y: -4,
              fontSize: 12,
            },
            encoding: { x: { field: "x", ...x }, text: { field: "text", type: "nominal" as const } },
          },
        ];
  return {
    ...size,
    title: c.title,
    layer: [
      {
        name: "bars",
        data: { values: segments },
        mark: { type: "bar", height: 22 },
        encoding: {
          y,
          x: { field: "start", ...x },
          x2: { field: "end" },
          color: {
            field: "segment",
            type: "nominal",
            title: null,
            scale: colorScale(names),
            legend: names.length > 1 ? { orient: "bottom", columns: 3, labelLimit: 300 } : null,
          },
          description: { field: "desc", type: "nominal" },
        },
      },
      {
        name: "whiskers",
        data: { values: whiskers },
        mark: { type: "rule", color: "#222", strokeWidth: 1.2 },
        encoding: { y, x: { field: "min", ...x }, x2: { field: "max" } },
      },
      {
        name: "caps",
        data: { values: caps },
        mark: { type: "tick", orient: "vertical", color: "#222", thickness: 1.2, size: 10 },
        encoding: { y, x: { field: "x", ...x } },
      },
      {
        name: "values",
        data: { values: totals },
        mark: { type: "text", align: "left", dx: 6, fontSize: 12, color: "#333" },
        encoding: { y, x: { field: "at", ...x }, text: { field: "text", type: "nominal" } },
      },
      ...reference,
    ],
  };
}
