/**
 * Turns a Vega-Lite spec into one static inline <svg>: compiled by vega-lite, rendered by
 * vega's headless View (renderer "none", no canvas, no DOM, nothing loaded). The root gets
 * data-chart="id" so a page and its tests can find each chart; the xmlns attributes that an
 * inline SVG in HTML does not need are dropped, so the page names no URL. Importing this
 * module loads neither library, so a command that draws nothing starts as fast as before.
 */
import type { TopLevelSpec } from "vega-lite";
import { esc } from "./html.js";

/** Renders `spec` to an <svg data-chart="id" ...> string; vega and vega-lite are loaded on the first call, not at import. */
export async function renderChart(id: string, spec: TopLevelSpec): Promise<string> {
  const [{ View, parse }, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg.replace(/^<svg /, `<svg data-chart="${esc(id)}" `).replace(/ xmlns(:xlink)?="[^"]*"/g, "");
  } finally {
    view.finalize();
  }
}
