/**
 * The terminal rendering of a BenchReport: a header with the machine, commit and peak,
 * the step table (one row per backend and mode), the micro-benchmark table and the notes
 * on how everything was measured.
 */
import { table } from "./report.js";
import type { BenchReport } from "./types.js";

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
const mb = (bytes: number | null): string => (bytes === null ? "n/a" : (bytes / 2 ** 20).toFixed(0));

/** The step rows as a table. */
export function stepTable(r: BenchReport): string {
  return table(
    ["backend", "mode", "ms/it", "min-max", "samples/s", "GFLOP/s", "% peak", "upload", "forward", "bwd+upd", "RSS MiB", "backend MiB"],
    r.steps.map((s) => [
      s.backend, s.mode, f2(s.timing.medianMs), `${f2(s.timing.minMs)}-${f2(s.timing.maxMs)}`, s.samplesPerSecond.toFixed(0), f2(s.gflops),
      s.fractionOfPeak === null ? "n/a" : (100 * s.fractionOfPeak).toFixed(1), s.phases ? f2(s.phases.uploadMs) : "-",
      s.phases ? f2(s.phases.forwardMs) : "-", s.phases ? f2(s.phases.backwardUpdateMs) : "-", mb(s.maxRssBytes), mb(s.backendBytes),
    ]),
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
  const lines = [
    `dlrm bench: config ${r.config} (batch ${r.batchSize}, ${(r.flopsPerStep / 1e9).toFixed(3)} GFLOP of GEMM per step), ${r.dtype}, ${r.warmup} warm-up + ${r.iterations} iterations`,
    `machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ${m.platform}; commit ${r.commit ?? "unknown"}`,
    `backends: ${r.backends.map((b) => (b.status === "ran" ? `${b.name} (${b.version}, ${b.device})` : `${b.name} ${b.status}: ${b.reason}`)).join("; ")}`,
    r.peak === null ? "peak: not measured" : `peak: ${f2(r.peak.gflops)} GFLOP/s (${r.peak.backend}, gemm ${r.peak.size}^3, best ${r.peak.timing.minMs.toFixed(2)} ms, median ${r.peak.timing.medianMs.toFixed(2)} ms)`,
    "",
    stepTable(r),
  ];
  if (r.micro.length > 0) lines.push("", microTable(r));
  lines.push("", ...r.notes.map((n) => `note: ${n}`));
  return lines.join("\n");
}
