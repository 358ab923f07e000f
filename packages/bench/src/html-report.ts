/**
 * `dlrm bench --html FILE`: one self-contained HTML page (inline CSS and SVG, no script,
 * no network) with four Vega-Lite charts (@dlrm/charts) (ms/iteration per backend and mode with min-max whiskers and
 * PyTorch's bar, the eager phase split, the eager op-category split, GEMM GFLOP/s against the
 * measured peak), the tables (with the ratio to PyTorch) and the notes.
 */
import { backendLabel as label } from "@dlrm/core";
import { OP_CATEGORIES } from "./op-split.js";
import { renderDistHtml } from "./html-dist.js";
import { barChartSpec, esc, renderChart, type Bar } from "@dlrm/charts";
import { torchLine } from "./text-report.js";
import type { BenchReport } from "./types.js";

/** ms/iteration per backend and mode, PyTorch's first when it was measured. */
function msChart(r: BenchReport): Promise<string> {
  const bars: Bar[] = r.steps.map((s) => ({
    label: `${label(s.backend)} ${s.mode}`,
    segments: [{ name: "ms/iteration", value: s.timing.medianMs }],
    whisker: { min: s.timing.minMs, max: s.timing.maxMs },
  }));
  const t = r.torch;
  if (t?.status === "ran" && t.medianMs !== null) {
    const ran = t.roundsMs.filter((x): x is number => x !== null);
    bars.unshift({
      label: "pytorch (fp32)",
      segments: [{ name: "ms/iteration", value: t.medianMs }],
      whisker: { min: Math.min(...ran), max: Math.max(...ran) },
    });
  }
  return renderChart(
    "ms-per-iteration",
    barChartSpec({
      title: `Training step, ${r.config} (batch ${r.batchSize}): median ms/iteration, whiskers min-max`,
      unit: "ms",
      bars,
    }),
  );
}

/** The eager time split. */
function splitChart(r: BenchReport): Promise<string> {
  const bars: Bar[] = r.steps
    .filter((s) => s.phases !== null)
    .map((s) => ({
      label: `${label(s.backend)} ${s.mode}`,
      segments: [
        { name: "data/upload", value: s.phases!.uploadMs },
        { name: "forward", value: s.phases!.forwardMs },
        { name: "backward+update", value: s.phases!.backwardUpdateMs },
      ],
    }));
  return renderChart(
    "time-split",
    barChartSpec({
      title: "Time split of an eager step (median ms per phase, sync after each)",
      unit: "ms",
      bars,
    }),
  );
}

/** The op-category split of the eager rows (each op replayed alone, sync after each). */
function opSplitChart(r: BenchReport): Promise<string> {
  const bars: Bar[] = r.steps
    .filter((s) => s.opSplit)
    .map((s) => ({
      label: `${label(s.backend)} ${s.mode}`,
      segments: OP_CATEGORIES.map((c) => ({
        name: c,
        value: s.opSplit!.categories.find((x) => x.category === c)?.ms ?? 0,
      })),
    }));
  return renderChart(
    "op-split",
    barChartSpec({
      title: "Op split of an eager step (median ms per op, summed per category, sync after each op)",
      unit: "ms",
      bars,
    }),
  );
}

/** GEMM GFLOP/s (micro-benchmarks and whole steps) against the peak. */
function gemmChart(r: BenchReport): Promise<string> {
  const bars: Bar[] = [
    ...r.micro
      .filter((m) => m.gflops !== null)
      .map((m) => ({
        label: `${label(m.backend)} gemm ${m.shape.split(" ")[0]}`,
        segments: [{ name: "GFLOP/s", value: m.gflops! }],
      })),
    ...r.steps.map((s) => ({
      label: `${label(s.backend)} ${s.mode} whole step`,
      segments: [{ name: "GFLOP/s", value: s.gflops }],
    })),
  ];
  const reference =
    r.peak === null ? undefined : { label: `peak (${label(r.peak.backend)}, ${r.peak.size}^3)`, value: r.peak.gflops };
  return renderChart(
    "gemm-gflops",
    barChartSpec({
      title: "GEMM GFLOP/s at the config's shapes and per whole step, against the measured peak",
      unit: "GFLOP/s",
      bars,
      ...(reference ? { reference } : {}),
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

/** The whole page (a --world-size report: renderDistHtml's); the charts are rendered before it is assembled. */
export async function renderHtml(r: BenchReport): Promise<string> {
  if (r.distributed !== undefined) return renderDistHtml(r);
  const [ms, timeSplit, opSplit, gemm] = await Promise.all([msChart(r), splitChart(r), opSplitChart(r), gemmChart(r)]);
  const m = r.machine;
  const ratio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(2));
  const steps = htmlTable(
    [
      "backend",
      "mode",
      "median ms",
      "min ms",
      "max ms",
      "samples/s",
      "GFLOP/s",
      "% of peak",
      "RSS MiB",
      "x PyTorch (ratio of medians)",
      "x PyTorch (median of per-round ratios)",
      "per round ms",
    ],
    r.steps.map((s) => [
      label(s.backend),
      s.mode,
      s.timing.medianMs.toFixed(2),
      s.timing.minMs.toFixed(2),
      s.timing.maxMs.toFixed(2),
      s.samplesPerSecond.toFixed(0),
      s.gflops.toFixed(2),
      s.fractionOfPeak === null ? "n/a" : (100 * s.fractionOfPeak).toFixed(1),
      (s.maxRssBytes / 2 ** 20).toFixed(0),
      ratio(s.vsTorch?.ofMedians),
      ratio(s.vsTorch?.medianOfRounds),
      (s.roundsMs ?? []).map((x) => x.toPrecision(3)).join(" "),
    ]),
  );
  const split = htmlTable(
    ["backend", "mode", ...OP_CATEGORIES.map((c) => `${c} ms (share)`), "sum ms", "step ms"],
    r.steps
      .filter((s) => s.opSplit)
      .map((s) => [
        label(s.backend),
        s.mode,
        ...OP_CATEGORIES.map((c) => {
          const e = s.opSplit!.categories.find((x) => x.category === c);
          return e === undefined ? "-" : `${e.ms.toFixed(3)} (${(100 * e.share).toFixed(0)}%)`;
        }),
        s.opSplit!.totalMs.toFixed(3),
        s.opSplit!.stepMs.toFixed(3),
      ]),
  );
  const micro = htmlTable(
    ["backend", "op", "shape", "median ms", "GFLOP/s"],
    r.micro.map((x) => [label(x.backend), x.op, x.shape, x.timing.medianMs.toFixed(3), x.gflops?.toFixed(2) ?? ""]),
  );
  const backends = r.backends
    .map(
      (b) =>
        `<li>${esc(b.status === "ran" ? `${label(b.name)}: ${b.version}, ${b.device ?? ""}` : `${label(b.name)}: ${b.status} (${b.reason ?? ""})`)}</li>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dlrm bench: ${esc(r.config)}</title><style>${STYLE}</style></head>
<body>
<h1>dlrm bench: ${esc(r.config)} configuration</h1>
<p class="meta">${esc(`${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}; commit ${r.commit ?? "unknown"}; ${r.createdAt}; ${r.warmup} warm-up + ${r.iterations} iterations; ${(r.flopsPerStep / 1e9).toPrecision(3)} GFLOP of GEMM per step`)}</p>
<ul>${backends}</ul>
<p class="meta">${esc(torchLine(r))}${(r.rounds ?? 1) > 1 ? esc(`; ${r.rounds} rounds, each PyTorch then every backend and mode`) : ""}${r.peakRssBytes === undefined ? "" : esc(`; process peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`)}</p>
<h2>ms/iteration</h2>${ms}
<h2>Time split</h2>${timeSplit}
<h2>Op split</h2>${opSplit}
${split}
<h2>GEMM throughput</h2>${gemm}
<h2>Training step</h2>${steps}
<h2>Per-op micro-benchmarks</h2>${micro}
<h2>How it was measured</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
</body></html>
`;
}
