/**
 * The training report as one self-contained HTML page (inline CSS and SVG, no script, no
 * network): a table of the runs (last step, final training loss and accuracy, last test
 * AUC and log loss, median ms/step) and the six charts of training-charts.ts, every run
 * overlaid in its own colour.
 */
import { esc, renderChart } from "@dlrm/charts";
import type { TrainingRun } from "./read-run.js";
import { trainingCharts } from "./training-charts.js";

/** What the page says above the charts. */
export interface PageInfo {
  /** The page heading. */
  title: string;
  /** One line under it (how the page was made, e.g. "refreshed at step 40 of 100"). */
  status: string;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111;background:#fff}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
svg{display:block;margin:8px 0;border:1px solid #e4e4e4}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#444}`;

const fixed = (x: number | undefined, digits: number): string =>
  x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);

function median(xs: readonly number[]): number | undefined {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function runsTable(runs: readonly TrainingRun[]): string {
  const header = ["run", "file", "last step", "loss", "accuracy %", "test AUC", "test log loss", "median ms/step"];
  const rows = runs.map((r) => {
    const last = r.steps.at(-1);
    const test = r.tests.at(-1)?.test;
    return [
      r.label,
      r.path,
      last === undefined ? "n/a" : String(last.step),
      fixed(last?.loss, 6),
      fixed(last === undefined ? undefined : 100 * last.accuracy, 2),
      fixed(test?.auc, 6),
      fixed(test?.logLoss, 6),
      fixed(median(r.steps.map((s) => s.msPerIteration)), 3),
    ];
  });
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((c, i) => `<td${i >= 2 ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** Renders the page for `runs` (a run may have no step yet: its charts say so). */
export async function renderTrainingPage(runs: readonly TrainingRun[], info: PageInfo): Promise<string> {
  const charts = trainingCharts(runs);
  const svgs = await Promise.all(charts.map((c) => renderChart(c.id, c.spec)));
  const body = charts.map((c, i) => `<h2>${esc(c.heading)}</h2>${svgs[i]!}`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(info.title)}</h1>
<p class="meta">${esc(info.status)}</p>
${runsTable(runs)}
${body}
</body></html>
`;
}
