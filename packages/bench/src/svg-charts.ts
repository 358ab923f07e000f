/**
 * Inline SVG bar charts for the HTML report, drawn as strings with no library and no
 * network: horizontal bars (optionally stacked, with a min-max whisker and a dashed
 * reference line such as the GEMM peak). Every chart is an <svg data-chart="id"> and every
 * bar a <rect class="bar" data-value="..."> so a test can find them.
 */

/** One stacked segment of a bar. */
export interface Segment {
  name: string;
  value: number;
}

/** One bar: a label and either a value or stacked segments; an optional min-max whisker. */
export interface Bar {
  label: string;
  segments: Segment[];
  whisker?: { min: number; max: number };
}

/** A chart to draw. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  bars: Bar[];
  reference?: { label: string; value: number };
}

/** Segment colours, in order (colour-blind-safe Okabe-Ito). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];

/** Escapes text for HTML and SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const num = (x: number): string =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);

const LABEL_W = 230;
const PLOT_W = 520;
const BAR_H = 22;
const GAP = 8;
/** y of the first bar; one more text line when a reference label sits above the bars. */
const TOP = 34;
const REF_TOP = 54;

/** Legend entries left to right from the plot's left edge, wrapping to a new row before `width` (about 7 px per character). */
function legendLayout(names: readonly string[], width: number): { x: number; row: number }[] {
  let x = LABEL_W;
  let row = 0;
  return names.map((n) => {
    const w = 18 + 7 * n.length + 24;
    if (x + w > width && x > LABEL_W) {
      x = LABEL_W;
      row++;
    }
    const at = { x, row };
    x += w;
    return at;
  });
}

/** Draws one horizontal bar chart as an <svg> element. */
export function barChart(spec: ChartSpec): string {
  const totals = spec.bars.map((b) => b.segments.reduce((a, s) => a + s.value, 0));
  const maxValue = Math.max(1e-12, ...totals, ...spec.bars.map((b) => b.whisker?.max ?? 0), spec.reference?.value ?? 0);
  const scale = (v: number): number => (v / maxValue) * PLOT_W;
  const names = [...new Set(spec.bars.flatMap((b) => b.segments.map((s) => s.name)))];
  const legend = names.length > 1;
  const top = spec.reference === undefined ? TOP : REF_TOP;
  const width = LABEL_W + PLOT_W + 150;
  const items = legendLayout(names, width);
  const legendRows = items.reduce((a, it) => Math.max(a, it.row + 1), 0);
  const height = top + spec.bars.length * (BAR_H + GAP) + (legend ? 10 + 20 * legendRows : 10) + 20;
  const parts: string[] = [];
  parts.push(`<text x="0" y="18" class="title">${esc(spec.title)}</text>`);
  if (spec.bars.length === 0) parts.push(`<text x="0" y="${top + 14}" class="empty">no data</text>`);
  spec.bars.forEach((b, i) => {
    const y = top + i * (BAR_H + GAP);
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + BAR_H * 0.7}" text-anchor="end" class="label">${esc(b.label)}</text>`,
    );
    let x = LABEL_W;
    b.segments.forEach((s) => {
      const w = Math.max(scale(s.value), s.value > 0 ? 1 : 0);
      const color = PALETTE[names.indexOf(s.name) % PALETTE.length]!;
      parts.push(
        `<rect class="bar" data-value="${s.value}" data-segment="${esc(s.name)}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"><title>${esc(`${b.label} ${s.name}: ${num(s.value)} ${spec.unit}`)}</title></rect>`,
      );
      x += w;
    });
    let textX = x;
    if (b.whisker !== undefined) {
      const [x0, x1] = [LABEL_W + scale(b.whisker.min), LABEL_W + scale(b.whisker.max)];
      textX = Math.max(x, x1);
      const cy = y + BAR_H / 2;
      parts.push(
        `<path class="whisker" d="M${x0.toFixed(1)} ${cy}H${x1.toFixed(1)}M${x0.toFixed(1)} ${cy - 5}V${cy + 5}M${x1.toFixed(1)} ${cy - 5}V${cy + 5}" stroke="#222" stroke-width="1.2" fill="none"/>`,
      );
    }
    parts.push(
      `<text x="${(textX + 6).toFixed(1)}" y="${y + BAR_H * 0.7}" class="value">${num(totals[i]!)} ${esc(spec.unit)}</text>`,
    );
  });
  const plotBottom = top + spec.bars.length * (BAR_H + GAP);
  if (spec.reference !== undefined) {
    const rx = LABEL_W + scale(spec.reference.value);
    parts.push(
      `<line class="reference" x1="${rx.toFixed(1)}" y1="${top - 6}" x2="${rx.toFixed(1)}" y2="${plotBottom}" stroke="#D55E00" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<text x="${(rx - 4).toFixed(1)}" y="${top - 12}" text-anchor="end" class="reflabel">${esc(`${spec.reference.label}: ${num(spec.reference.value)} ${spec.unit}`)}</text>`,
    );
  }
  if (legend) {
    items.forEach((it, i) => {
      const ly = plotBottom + 8 + 20 * it.row;
      parts.push(
        `<rect x="${it.x}" y="${ly}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${it.x + 18}" y="${ly + 10}" class="legend">${esc(names[i]!)}</text>`,
      );
    });
  }
  return `<svg data-chart="${esc(spec.id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(spec.title)}">${parts.join("")}</svg>`;
}
