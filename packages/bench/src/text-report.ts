/**
 * The terminal rendering of a BenchReport: a header with the machine, commit and peak,
 * PyTorch's step (or why it was not measured), the step table (one row per backend and mode,
 * with the ratio to PyTorch), the op-category split, the micro-benchmark table, the process's
 * peak memory and the notes on how everything was measured.
 */
import { OP_CATEGORIES } from "./op-split.js";
import { table } from "./report.js";
import type { BenchReport } from "./types.js";

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
const mb = (bytes: number | null): string => (bytes === null ? "n/a" : (bytes / 2 ** 20).toFixed(0));
const perRound = (ms: readonly (number | null)[] | undefined): string => (ms ?? []).map((x) => (x === null ? "failed" : x.toPrecision(3))).join(" ");

/** Whether PyTorch's step was measured (so the ratio columns mean something). */
const torchRan = (r: BenchReport): boolean => r.torch?.status === "ran" && r.torch.medianMs !== null;

/** The step rows as a table; PyTorch's row first, and the ratio columns, when it was measured. */
export function stepTable(r: BenchReport): string {
  const torch = torchRan(r);
  const rounds = (r.rounds ?? 1) > 1;
  const header = ["backend", "mode", "ms/it", "min-max", "samples/s", "GFLOP/s", "% peak", "upload", "forward", "bwd+upd", "RSS MiB", "backend MiB"];
  if (torch) header.push("x PyTorch", "x PyT/round");
  if (rounds) header.push("per round");
  const rows = r.steps.map((s) => {
    const cells = [
      s.backend, s.mode, f2(s.timing.medianMs), `${f2(s.timing.minMs)}-${f2(s.timing.maxMs)}`, s.samplesPerSecond.toFixed(0), f2(s.gflops),
      s.fractionOfPeak === null ? "n/a" : (100 * s.fractionOfPeak).toFixed(1), s.phases ? f2(s.phases.uploadMs) : "-",
      s.phases ? f2(s.phases.forwardMs) : "-", s.phases ? f2(s.phases.backwardUpdateMs) : "-", mb(s.maxRssBytes), mb(s.backendBytes),
    ];
    if (torch) cells.push(s.vsTorch ? f2(s.vsTorch.ofMedians) : "n/a", s.vsTorch ? f2(s.vsTorch.medianOfRounds) : "n/a");
    if (rounds) cells.push(perRound(s.roundsMs));
    return cells;
  });
  if (torch) {
    const t = r.torch!;
    const ms = t.medianMs!;
    const ran = t.roundsMs.filter((x): x is number => x !== null);
    const gflops = r.flopsPerStep / (ms * 1e6);
    const cells = [
      "pytorch", "eager", f2(ms), `${f2(Math.min(...ran))}-${f2(Math.max(...ran))}`, ((r.batchSize * 1000) / ms).toFixed(0), f2(gflops),
      r.peak === null ? "n/a" : ((100 * gflops) / r.peak.gflops).toFixed(1), "-", "-", "-", "-", "-", "1.00", "1.00",
    ];
    if (rounds) cells.push(perRound(t.roundsMs));
    rows.unshift(cells);
  }
  return table(header, rows);
}

/** One line on PyTorch: what ran, or why it was not measured. */
export function torchLine(r: BenchReport): string {
  const t = r.torch;
  if (t === undefined) return "PyTorch not measured: not requested";
  if (!torchRan(r)) return `PyTorch not measured: ${t.reason ?? "unknown reason"}`;
  const failed = t.reason === undefined ? "" : `; some rounds failed: ${t.reason}`;
  return `PyTorch: ${f2(t.medianMs!)} ms/it fp32, median of ${t.roundsMs.length} round(s) (${t.command ?? "?"}); x PyTorch = our ms / PyTorch's (below 1: faster)${failed}`;
}

/** The op-category split of the eager rows as a table: ms and share per category, their sum and the step median. */
export function opSplitTable(r: BenchReport): string {
  const rows = r.steps.filter((s) => s.opSplit);
  return table(
    ["backend", "mode", ...OP_CATEGORIES, "sum", "step ms/it (that round)"],
    rows.map((s) => {
      const split = s.opSplit!;
      const cells = OP_CATEGORIES.map((c) => {
        const e = split.categories.find((x) => x.category === c);
        return e === undefined ? "-" : `${e.ms.toFixed(3)} (${(100 * e.share).toFixed(0)}%)`;
      });
      return [s.backend, s.mode, ...cells, split.totalMs.toFixed(3), split.stepMs.toFixed(3)];
    }),
  );
}

/** The micro-benchmark rows as a table. */
export function microTable(r: BenchReport): string {
  return table(
    ["backend", "op", "shape", "median ms", "p25-p75", "GFLOP/s"],
    r.micro.map((m) => [m.backend, m.op, m.shape, m.timing.medianMs.toFixed(3), `${m.timing.p25Ms.toFixed(3)}-${m.timing.p75Ms.toFixed(3)}`, m.gflops === null ? "" : f2(m.gflops)]),
  );
}

/** The whole report as text. */
export function formatBench(r: BenchReport): string {
  const m = r.machine;
  const rounds = r.rounds ?? 1;
  const lines = [
    `dlrm bench: config ${r.config} (batch ${r.batchSize}, ${(r.flopsPerStep / 1e9).toFixed(3)} GFLOP of GEMM per step), ${r.dtype}, ${r.warmup} warm-up + ${r.iterations} iterations${rounds > 1 ? `, median of ${rounds} rounds` : ""}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ${m.platform}; commit ${r.commit ?? "unknown"}`,
    `backends: ${r.backends.map((b) => (b.status === "ran" ? `${b.name} (${b.version}, ${b.device})` : `${b.name} ${b.status}: ${b.reason}`)).join("; ")}`,
    r.peak === null ? "peak: not measured" : `peak: ${f2(r.peak.gflops)} GFLOP/s (${r.peak.backend}, gemm ${r.peak.size}^3${r.peak.op ? ` ${r.peak.op}` : ""}, best ${r.peak.timing.minMs.toFixed(2)} ms, median ${r.peak.timing.medianMs.toFixed(2)} ms)`,
    torchLine(r),
    "",
    stepTable(r),
  ];
  if (r.steps.some((s) => s.opSplit)) lines.push("", "op split (eager; each op of one step replayed alone, sync after each; ms per step, share of the sum):", opSplitTable(r));
  if (r.micro.length > 0) lines.push("", microTable(r));
  if (r.peakRssBytes !== undefined) lines.push("", `process peak RSS (maxRSS): ${mb(r.peakRssBytes)} MiB (PyTorch runs in a child process, not counted)`);
  lines.push("", ...r.notes.map((n) => `note: ${n}`));
  return lines.join("\n");
}
