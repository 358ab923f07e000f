/**
 * `dlrm bench --world-size ... --html FILE`: the multi-process report as one self-contained
 * HTML page (inline CSS and Vega-Lite SVG charts, no script, no network): ms/step per world size for PyTorch
 * and each backend (min-max whiskers), the collectives per step split into waited and hidden
 * (busy - waited) time, the step table with bytes, overlap and plan, and the notes.
 */
import { backendLabel as label } from "@dlrm/core";
import { barChartSpec, esc, renderChart, type Bar } from "@dlrm/charts";
import type { BenchReport, DistStepRow } from "./types.js";

const f2 = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(2);
const kib = (b: number): string => (b / 1024).toFixed(1);
const kinds = (k: DistStepRow["shardKinds"]): string =>
  Object.entries(k ?? {})
    .filter(([, n]) => n !== undefined && n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ") || "?";

/** ms/step per N: PyTorch's bar first at each N, then every backend and mode. */
function msChart(r: BenchReport): Promise<string> {
  const d = r.distributed!;
  const bars: Bar[] = [];
  for (const n of d.worldSizes) {
    const t = d.torch.find((x) => x.worldSize === n);
    if (t?.medianMs !== null && t?.medianMs !== undefined) {
      const ran = t.roundsMs.filter((x): x is number => x !== null);
      bars.push({
        label: `N=${n} pytorch`,
        segments: [{ name: "ms/step", value: t.medianMs }],
        whisker: { min: Math.min(...ran), max: Math.max(...ran) },
      });
    }
    for (const s of d.rows.filter((x) => x.worldSize === n))
      bars.push({
        label: `N=${n} ${label(s.backend)} ${s.mode}`,
        segments: [{ name: "ms/step", value: s.timing.medianMs }],
        whisker: { min: s.timing.minMs, max: s.timing.maxMs },
      });
  }
  return renderChart(
    "dist-ms-per-step",
    barChartSpec({
      title: `Training step, ${r.config} (global batch ${r.batchSize}): median ms/step per world size, whiskers min-max`,
      unit: "ms",
      bars,
    }),
  );
}

/** Per row at N > 1: the collectives' waited ms and their hidden ms (busy - waited, at least 0). */
function commChart(r: BenchReport): Promise<string> {
  const bars: Bar[] = r
    .distributed!.rows.filter((s) => s.worldSize > 1)
    .map((s) => ({
      label: `N=${s.worldSize} ${label(s.backend)} ${s.mode}`,
      segments: [
        { name: "all-to-all waited", value: s.allToAllMs },
        { name: "all-to-all hidden", value: Math.max(0, (s.allToAllBusyMs ?? s.allToAllMs) - s.allToAllMs) },
        { name: "all-reduce waited", value: s.allReduceMs },
        { name: "all-reduce hidden", value: Math.max(0, (s.allReduceBusyMs ?? s.allReduceMs) - s.allReduceMs) },
      ],
    }));
  return renderChart(
    "dist-collectives",
    barChartSpec({
      title:
        "Collectives per step (ms, max over ranks, median over steps): waited by the step, and hidden behind compute",
      unit: "ms",
      bars,
    }),
  );
}

function htmlTable(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c) => `<td${/^-?[\d.]+$|^n\/a$/.test(c) ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`,
    )
    .join("")}</tbody></table>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111;background:#fff}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
svg{display:block;margin:8px 0;border:1px solid #e4e4e4}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#444}li{margin:2px 0}`;

/** The whole page of a report with a `distributed` section; the charts are rendered before it is assembled. */
export async function renderDistHtml(r: BenchReport): Promise<string> {
  const d = r.distributed;
  if (d === undefined) throw new Error("renderDistHtml: the report has no --world-size section");
  const [ms, comm] = await Promise.all([msChart(r), commChart(r)]);
  const m = r.machine;
  const rows: string[][] = [];
  for (const n of d.worldSizes) {
    const t = d.torch.find((x) => x.worldSize === n);
    rows.push([
      String(n),
      "pytorch",
      t?.medianMs === null || t?.medianMs === undefined ? "n/a" : t.medianMs.toFixed(2),
      "1.00",
      "-",
      "-",
      "-",
      "-",
      "-",
      n === 1 ? "one process" : "table slices",
      t?.medianMs === null || t?.medianMs === undefined ? (t?.reason ?? "not measured") : "",
    ]);
    for (const s of d.rows.filter((x) => x.worldSize === n))
      rows.push([
        String(n),
        `${label(s.backend)} ${s.mode}`,
        s.timing.medianMs.toFixed(2),
        f2(s.vsTorch?.ofMedians),
        `${f2(s.allToAllMs)} / ${f2(s.allToAllBusyMs)}`,
        `${f2(s.allReduceMs)} / ${f2(s.allReduceBusyMs)}`,
        `${kib(s.allToAllBytes)} / ${kib(s.allReduceBytes)}`,
        f2(s.overlapMedian),
        f2(s.overlapOverall),
        n === 1 ? "one process" : `${s.sharding ?? d.sharding ?? "auto"}: ${kinds(s.shardKinds)}`,
        "",
      ]);
  }
  const table = htmlTable(
    [
      "N",
      "who",
      "median ms/step",
      "x PyTorch",
      "all-to-all waited / busy ms",
      "all-reduce waited / busy ms",
      "KiB sent (all-to-all / all-reduce)",
      "overlap (median)",
      "overlap (overall)",
      "plan",
      "note",
    ],
    rows,
  );
  const backends = r.backends
    .map(
      (b) =>
        `<li>${esc(b.status === "ran" ? `${label(b.name)}: ${b.version}, ${b.device ?? ""}` : `${label(b.name)}: ${b.status} (${b.reason ?? ""})`)}</li>`,
    )
    .join("");
  const failures =
    d.failures.length === 0
      ? ""
      : `<h2>Failed jobs</h2><ul>${d.failures.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dlrm bench --world-size: ${esc(r.config)}</title><style>${STYLE}</style></head>
<body>
<h1>dlrm bench --world-size ${esc(d.worldSizes.join(","))}: ${esc(r.config)} configuration</h1>
<p class="meta">${esc(`${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}; commit ${r.commit ?? "unknown"}; ${r.createdAt}; ${r.warmup} warm-up + ${r.iterations} iterations, ${r.rounds ?? 1} round(s); our --sharding ${d.sharding ?? "auto"}`)}</p>
<ul>${backends}</ul>
<h2>ms/step</h2>${ms}
<h2>Collectives</h2>${comm}
<h2>Step per world size</h2>${table}
${failures}
<h2>How it was measured</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
</body></html>
`;
}
