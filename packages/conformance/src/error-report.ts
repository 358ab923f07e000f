/**
 * The error-case report of `dlrm conformance`: every error case on each available backend in
 * eager and lazy mode, summarised per rule x backend (pass, or FAIL with the count), with one
 * line per failure naming the case, the mode and what differed.
 */
import { FUSED_OPS, type BackendFactory, type ExecutionMode } from "@dlrm/core";
import { ERROR_CASES } from "./cases.js";
import { checkErrorCase, type ErrorCase } from "./error-case.js";
import { implementedFusedOps } from "./run-case.js";

/** One error case on one backend in one mode. */
export interface ErrorResult {
  readonly backend: string;
  readonly mode: ExecutionMode;
  readonly caseName: string;
  readonly rule: ErrorCase["rule"];
  readonly passed: boolean;
  readonly problems: readonly string[];
}

/** Every error result, and whether all passed. */
export interface ErrorReport {
  readonly results: readonly ErrorResult[];
  readonly passed: boolean;
}

/** Runs the error cases on each factory that can start here (unavailable ones are the main report's to judge). */
export async function runErrorReport(
  factories: readonly BackendFactory[],
  cases: readonly ErrorCase[] = ERROR_CASES,
): Promise<ErrorReport> {
  const results: ErrorResult[] = [];
  for (const factory of factories) {
    if ((await factory.unavailableReason()) !== undefined) continue;
    for (const mode of ["eager", "lazy"] as const) {
      const backend = await factory.create({ mode });
      try {
        const fused = implementedFusedOps(backend) as readonly string[];
        for (const c of cases) {
          if ((FUSED_OPS as readonly string[]).includes(c.op) && !fused.includes(c.op)) continue;
          let problems: string[];
          try {
            problems = await checkErrorCase(backend, c);
          } catch (e) {
            problems = [`the case itself threw: ${e instanceof Error ? e.message : String(e)}`];
          }
          results.push({
            backend: factory.name,
            mode,
            caseName: c.name,
            rule: c.rule,
            passed: problems.length === 0,
            problems,
          });
        }
      } finally {
        backend.dispose();
      }
    }
  }
  return { results, passed: results.every((r) => r.passed) };
}

/** The rule x backend table (cases passed / run, eager and lazy together) and the failure lines. */
export function formatErrorReport(report: ErrorReport): string {
  const backends = [...new Set(report.results.map((r) => r.backend))];
  const rules = [...new Set(report.results.map((r) => r.rule))];
  const cell = (rule: string, b: string): string => {
    const rs = report.results.filter((r) => r.rule === rule && r.backend === b);
    const failed = rs.filter((r) => !r.passed).length;
    return rs.length === 0 ? "-" : failed === 0 ? `pass ${rs.length}` : `FAIL ${failed}/${rs.length}`;
  };
  const rows = [["error rule", ...backends], ...rules.map((rule) => [rule, ...backends.map((b) => cell(rule, b))])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
  for (const r of report.results.filter((x) => !x.passed))
    lines.push(`FAIL ${r.backend} ${r.mode} ${r.caseName}: ${r.problems.join("; ")}`);
  const n = report.results.length;
  lines.push(
    report.passed
      ? `error cases: passed (${n} case runs, eager and lazy)`
      : `error cases: FAILED (${report.results.filter((r) => !r.passed).length} of ${n} case runs)`,
  );
  return lines.join("\n");
}
