/**
 * `dlrm bench --compare A.json B.json`: matches the rows of two reports (steps by backend
 * and mode, micro-benchmarks by backend, op and shape, the peak, and the --world-size rows
 * by backend, mode and N, PyTorch's at each N too) and gives the ratio
 * B / A of the median time per row, so a change is judged against a baseline measured the
 * same way. Ratios below 1 mean B is faster.
 */
import { readFileSync } from "node:fs";
import { table } from "./report.js";
import type { BenchReport } from "./types.js";

/** One matched row. */
export interface CompareRow {
  kind: "step" | "micro" | "peak" | "dist";
  key: string;
  aMs: number;
  bMs: number;
  /** bMs / aMs. */
  ratio: number;
}

/** Reads and checks a report written by `dlrm bench --json`. */
export function readBenchReport(path: string): BenchReport {
  const r = JSON.parse(readFileSync(path, "utf8")) as Partial<BenchReport>;
  if (r.kind !== "dlrm-bench" || !Array.isArray(r.steps) || !Array.isArray(r.micro)) {
    throw new Error(`${path}: not a report written by dlrm bench --json`);
  }
  return r as BenchReport;
}

/** Rows present in both reports with their ratio; plus the keys found in only one. */
export function compareReports(a: BenchReport, b: BenchReport): { rows: CompareRow[]; unmatched: string[] } {
  const index = (r: BenchReport): Map<string, { kind: CompareRow["kind"]; ms: number }> => {
    const m = new Map<string, { kind: CompareRow["kind"]; ms: number }>();
    for (const s of r.steps) m.set(`step ${r.config} ${s.backend} ${s.mode}`, { kind: "step", ms: s.timing.medianMs });
    for (const x of r.micro) m.set(`micro ${x.backend} ${x.op} ${x.shape}`, { kind: "micro", ms: x.timing.medianMs });
    if (r.peak !== null)
      m.set(`peak ${r.peak.backend} gemm ${r.peak.size}^3`, { kind: "peak", ms: r.peak.timing.medianMs });
    for (const s of r.distributed?.rows ?? [])
      m.set(`dist ${r.config} ${s.backend} ${s.mode} N=${s.worldSize}`, { kind: "dist", ms: s.timing.medianMs });
    for (const t of r.distributed?.torch ?? [])
      if (t.medianMs !== null) m.set(`dist ${r.config} pytorch N=${t.worldSize}`, { kind: "dist", ms: t.medianMs });
    return m;
  };
  const ia = index(a);
  const ib = index(b);
  const rows: CompareRow[] = [];
  const unmatched: string[] = [];
  for (const [key, x] of ia) {
    const y = ib.get(key);
    if (y === undefined) unmatched.push(`only in A: ${key}`);
    else rows.push({ kind: x.kind, key, aMs: x.ms, bMs: y.ms, ratio: y.ms / x.ms });
  }
  for (const key of ib.keys()) if (!ia.has(key)) unmatched.push(`only in B: ${key}`);
  return { rows, unmatched };
}

/** The comparison as text. */
export function formatComparison(a: BenchReport, b: BenchReport, labels: [string, string]): string {
  const { rows, unmatched } = compareReports(a, b);
  const lines = [
    `A: ${labels[0]} (${a.dtype}, ${a.createdAt}, commit ${a.commit ?? "unknown"}, ${a.machine.cpu})`,
    `B: ${labels[1]} (${b.dtype}, ${b.createdAt}, commit ${b.commit ?? "unknown"}, ${b.machine.cpu})`,
    "ratio = B / A of the median ms (below 1: B is faster)",
    "",
    table(
      ["row", "A ms", "B ms", "B/A"],
      rows.map((r) => [r.key, r.aMs.toFixed(3), r.bMs.toFixed(3), r.ratio.toFixed(3)]),
    ),
  ];
  if (a.machine.cpu !== b.machine.cpu || a.machine.cores !== b.machine.cores)
    lines.push("warning: A and B were measured on different machines");
  lines.push(...unmatched);
  return lines.join("\n");
}
