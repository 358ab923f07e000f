/**
 * The colours every chart uses, in order: Okabe-Ito's colour-blind-safe set, so series and
 * stacked segments keep the same colour from chart to chart and from report to report.
 */

/** Series and segment colours, in order. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/** A Vega-Lite colour scale that gives `names` the palette's colours in the order given. */
export function colorScale(names: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...names], range: names.map((_, i) => PALETTE[i % PALETTE.length]!) };
}
