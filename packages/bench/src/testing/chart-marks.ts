/**
 * Reads a rendered report's charts back for tests without a browser: the bar segments of
 * one chart (<svg data-chart="id">) as their aria-labels, which @dlrm/charts writes as
 * "LABEL SEGMENT: VALUE UNIT", split into the segment name and the value.
 */

/** One drawn bar segment. */
export interface DrawnSegment {
  /** The whole aria-label, "LABEL SEGMENT: VALUE UNIT". */
  text: string;
  /** "LABEL SEGMENT", before the colon. */
  name: string;
  value: number;
}

/** The markup of chart `id`, or "" when the page has none. */
export function chartSvg(html: string, id: string): string {
  return new RegExp(`<svg data-chart="${id}"[^]*?</svg>`).exec(html)?.[0] ?? "";
}

/** The bar segments of chart `id`, in drawing order. */
export function drawnSegments(html: string, id: string): DrawnSegment[] {
  const bars = chartSvg(html, id).split('bars_marks"')[1]?.split("</g>")[0] ?? "";
  return [...bars.matchAll(/aria-label="([^"]*): ([-\d.e+]+) [^"]*"/g)].map((m) => ({
    text: `${m[1]}: ${m[2]}`,
    name: m[1]!,
    value: Number(m[2]),
  }));
}
