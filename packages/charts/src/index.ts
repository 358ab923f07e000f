/**
 * @dlrm/charts: the one place that turns series into a Vega-Lite spec and the spec into a
 * static SVG, for the bench report and the training report: line charts of series against
 * steps, horizontal (stacked) bar charts, the shared palette and HTML escaping.
 */
export { barChartSpec, formatValue, type Bar, type BarChart, type Segment } from "./bar-chart.js";
export { esc } from "./html.js";
export { lineChartSpec, type LineChart, type Point, type Series } from "./line-chart.js";
export { PALETTE, colorScale } from "./palette.js";
export { renderChart } from "./render.js";
/** A Vega-Lite spec, as the builders return it. */
export type { TopLevelSpec as ChartSpec } from "vega-lite";
