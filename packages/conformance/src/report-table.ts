/**
 * Text rendering of a conformance report: one row per op (Medium-shaped cases in rows of
 * their own), one column per backend, each cell "max relative error, pass/FAIL, bits on
 * rerun" ("self" in place of the error where the backend is the reference itself); then each
 * backend's device and what it compares (backends named by core's backendLabel), the skipped ones with their reasons, every problem
 * line, and the verdict counting only the comparisons that could fail.
 */
import { backendLabel } from "@dlrm/core";
import type { CaseResult, ConformanceReport } from "./report.js";
import { isFailure, REFERENCE_MEDIUM, tallyComparisons } from "./report.js";

/** One cell: the worst of a group of case results on one backend. */
export interface OpCell {
  readonly cases: number;
  readonly maxRelError: number;
  readonly passed: boolean;
  /** "yes" when every rerun repeated bit for bit, "no" when any differed, "n/a" when none ran. */
  readonly bitIdentical: "yes" | "no" | "n/a";
  readonly expectedFailures: number;
  /** Cases not run on purpose (the reference at Medium shapes). */
  readonly skipped: number;
  /** False when no case of the cell compared against the reference in a way that could fail (the reference itself). */
  readonly versusReference: boolean;
}

/** One row of the table. */
export interface OpRow {
  /** The op, with " [medium]" for the Medium-shaped cases (and the shape tolerance's name, if any). */
  readonly op: string;
  readonly tolerance: number;
  readonly cells: ReadonlyMap<string, OpCell>;
}

/** "gemm", "gemm [medium]", or with a shape tolerance "gemm [medium, K=4096]". */
function rowKey(r: CaseResult): string {
  const shape = r.toleranceName === undefined ? "" : `, ${r.toleranceName.replace(`${r.op} `, "")}`;
  return r.scale === "medium" ? `${r.op} [medium${shape}]` : shape === "" ? r.op : `${r.op} [${shape.slice(2)}]`;
}

/** Groups results into rows (first-seen order) and cells (per backend). */
export function summarizeByOp(report: ConformanceReport): OpRow[] {
  const rows = new Map<string, { tolerance: number; byBackend: Map<string, CaseResult[]> }>();
  for (const r of report.results) {
    const key = rowKey(r);
    const row = rows.get(key) ?? { tolerance: r.tolerance, byBackend: new Map<string, CaseResult[]>() };
    row.tolerance = Math.max(row.tolerance, r.tolerance);
    row.byBackend.set(r.backend, [...(row.byBackend.get(r.backend) ?? []), r]);
    rows.set(key, row);
  }
  return [...rows].map(([op, row]) => ({
    op,
    tolerance: row.tolerance,
    cells: new Map([...row.byBackend].map(([backend, rs]) => [backend, cellOf(rs)])),
  }));
}

function cellOf(rs: readonly CaseResult[]): OpCell {
  const ran = rs.filter((r) => r.status !== "not-implemented" && r.status !== "skipped");
  const bits = ran.map((r) => r.bitIdentical).filter((b): b is boolean => b !== undefined);
  const errors = ran.map((r) => r.maxRelError);
  return {
    cases: ran.length,
    maxRelError: errors.some(Number.isNaN) ? Number.NaN : Math.max(0, ...errors),
    passed: !ran.some(isFailure),
    bitIdentical: bits.length === 0 ? "n/a" : bits.every((b) => b) ? "yes" : "no",
    expectedFailures: ran.filter((r) => r.status === "expected-failure").length,
    skipped: rs.filter((r) => r.status === "skipped").length,
    versusReference: ran.some((r) => r.comparisons.some((c) => c.counted && c.kind === "eager-vs-reference")),
  };
}

const sci = (x: number): string => (Number.isNaN(x) ? "error" : x === 0 ? "0" : x.toExponential(1));

function cellText(c: OpCell | undefined): string {
  if (c !== undefined && c.cases === 0 && c.skipped > 0) return "skipped";
  if (c === undefined || c.cases === 0) return "not implemented";
  const xfail = c.expectedFailures > 0 ? ` (${c.expectedFailures} xfail)` : "";
  const error = c.versusReference || Number.isNaN(c.maxRelError) ? sci(c.maxRelError) : "self";
  return `${error} ${c.passed ? "pass" : "FAIL"} ${c.bitIdentical}${xfail}`;
}

function pad(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd(),
  );
}

/** The whole report as text: legend, table, backend notes, problems, verdict. */
export function formatReport(report: ConformanceReport): string {
  const ran = report.backends.filter((b) => b.status === "ran").map((b) => b.name);
  const lines: string[] = [];
  lines.push(
    "cell: max relative error vs the float64 reference (self: the reference backend itself, not counted) | pass/FAIL | bit-identical on rerun (yes/no)",
  );
  if (ran.length > 0) {
    const header = ["op", "tolerance", ...ran.map(backendLabel)];
    const body = summarizeByOp(report).map((row) => [
      row.op,
      sci(row.tolerance),
      ...ran.map((b) => cellText(row.cells.get(b))),
    ]);
    const [h, ...rest] = pad([header, ...body]);
    lines.push(h!, "-".repeat(h!.length), ...rest);
  }
  for (const b of report.backends) {
    if (b.status === "ran") {
      const compares = b.compares === undefined ? "" : `; compares: ${b.compares.join("; ")}`;
      lines.push(
        `${backendLabel(b.name)}: ran on ${b.device}${b.deterministic ? ", deterministic" : ", not deterministic"}${compares}`,
      );
    } else lines.push(`${backendLabel(b.name)}: ${b.status === "skipped" ? "skipped" : "FAILED"}: ${b.reason}`);
  }
  const failures = report.results.filter(isFailure);
  for (const f of failures)
    for (const p of f.problems) lines.push(`FAIL ${backendLabel(f.backend)} ${f.caseName}: ${p}`);
  const cases = report.results.filter((r) => r.status !== "not-implemented" && r.status !== "skipped").length;
  if (report.results.some((r) => r.status === "skipped")) lines.push(`skipped: ${REFERENCE_MEDIUM}`);
  const tally = tallyComparisons(report.results);
  const counted = tally.filter((t) => t.counted);
  const sum = (ts: typeof tally, f: (t: (typeof tally)[number]) => number): number => ts.reduce((n, t) => n + f(t), 0);
  const words = (ts: typeof tally): string => ts.map((t) => `${t.compares} ${t.passed + t.failed}`).join(", ");
  if (counted.length > 0) lines.push(`counted (could fail): ${words(counted)}`);
  const notCounted = tally.filter((t) => !t.counted);
  if (notCounted.length > 0) lines.push(`not counted (hold by construction; still run): ${words(notCounted)}`);
  const n = sum(counted, (t) => t.passed + t.failed);
  const failedComparisons = sum(counted, (t) => t.failed);
  lines.push(
    report.passed
      ? `conformance: passed (${n} comparisons that could fail, in ${cases} case runs)`
      : `conformance: FAILED (${failures.length} of ${cases} case runs; ${failedComparisons} of ${n} comparisons that could fail)`,
  );
  return lines.join("\n");
}
