/**
 * The cross-backend conformance report behind `dlrm conformance`: every case on every
 * given backend (eager and lazy) against the reference backend, one result per case and
 * backend (max relative error, tolerance, pass/fail, bit-identical rerun, and each comparison
 * made, marked counted or not: tallyComparisons), unavailable backends skipped with their
 * reason (a failure when required), expected failures honoured.
 */
import { ReferenceBackend, backendLabel, referenceBackendFactory, type Backend, type BackendFactory } from "@dlrm/core";
import type { CaseScale, ConformanceCase } from "./case.js";
import type { Outputs } from "./compare.js";
import type { ExpectedFailure } from "./expected-failures.js";
import {
  availabilityPlan,
  caseApplies,
  caseTolerance,
  describeComparison,
  evaluateCase,
  implementedFusedOps,
  planComparisons,
  runCase,
  type PlannedComparison,
} from "./run-case.js";

/** Outcome of one case on one backend. */
export type CaseStatus = "pass" | "fail" | "expected-failure" | "unexpected-pass" | "not-implemented" | "skipped";

/** One case on one backend. */
export interface CaseResult {
  readonly backend: string;
  readonly caseName: string;
  /** The row of the table: the case's first op. */
  readonly op: string;
  readonly scale: CaseScale;
  readonly status: CaseStatus;
  /** NaN when the case did not run (a fused op the backend lacks) or threw. */
  readonly maxRelError: number;
  readonly tolerance: number;
  /** The shape-specific tolerance's name (tolerances.ts), when the case has one. */
  readonly toleranceName?: string;
  /** undefined when the case did not run. */
  readonly bitIdentical: boolean | undefined;
  /** Each comparison made and whether it held (empty when the case did not run or threw). */
  readonly comparisons: readonly ComparisonResult[];
  readonly problems: readonly string[];
}

/** One comparison of a case run and whether it held. */
export interface ComparisonResult extends PlannedComparison {
  readonly passed: boolean;
}

/** What happened to one backend as a whole. */
export interface BackendRun {
  readonly name: string;
  /** How the report names it (core's backendLabel: "gaudi native (host CPU)"). */
  readonly label: string;
  /** ran; skipped (unavailable, not required); failed (unavailable but required, or could not start). */
  readonly status: "ran" | "skipped" | "failed";
  readonly reason?: string;
  readonly device?: string;
  readonly deterministic?: boolean;
  /** What each of its case runs compares, as describeComparison words it (when it ran). */
  readonly compares?: readonly string[];
}

/** The whole report. */
export interface ConformanceReport {
  readonly backends: readonly BackendRun[];
  readonly results: readonly CaseResult[];
  /** False when any case failed, passed unexpectedly, or a required backend could not run. */
  readonly passed: boolean;
}

/** Inputs of `runConformanceReport`. */
export interface ReportOptions {
  readonly factories: readonly BackendFactory[];
  readonly cases: readonly ConformanceCase[];
  readonly expectedFailures: readonly ExpectedFailure[];
  /** Backends that must run (DLRM_REQUIRED_BACKENDS). */
  readonly required: readonly string[];
  /** Progress lines ("wasm: 150/215 cases"; one per Medium-shaped case, with its seconds). */
  readonly onProgress?: (line: string) => void;
}

/** Why the reference backend under test skips the Medium-shaped cases (it is the oracle they are compared with). */
export const REFERENCE_MEDIUM =
  "the reference is the oracle: checking it against itself at Medium shapes costs minutes per case";

const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** How many comparisons of one kind held and failed over a report. */
export interface ComparisonTally {
  /** describeComparison's words: "eager vs float64 reference", "lazy vs eager, bit for bit (recorded replay: not counted)". */
  readonly compares: string;
  readonly counted: boolean;
  readonly passed: number;
  readonly failed: number;
}

/** The report's comparisons grouped by what they compare (first-seen order), counted and not. */
export function tallyComparisons(results: readonly CaseResult[]): ComparisonTally[] {
  const tally = new Map<string, { counted: boolean; passed: number; failed: number }>();
  for (const r of results) {
    for (const c of r.comparisons) {
      const key = describeComparison(c);
      const t = tally.get(key) ?? { counted: c.counted, passed: 0, failed: 0 };
      if (c.passed) t.passed++;
      else t.failed++;
      tally.set(key, t);
    }
  }
  return [...tally].map(([compares, t]) => ({ compares, ...t }));
}

/** Whether a result makes the report fail. */
export function isFailure(r: CaseResult): boolean {
  return r.status === "fail" || r.status === "unexpected-pass";
}

/** The reference's outputs per case, computed once and shared by every backend. */
class ReferenceOutputs {
  private readonly cache = new Map<string, Outputs>();
  private backend: Backend | undefined;

  async get(c: ConformanceCase): Promise<Outputs> {
    let out = this.cache.get(c.name);
    if (out === undefined) {
      this.backend ??= new ReferenceBackend();
      out = await runCase(this.backend, c);
      this.cache.set(c.name, out);
    }
    return out;
  }

  dispose(): void {
    this.backend?.dispose();
  }
}

/** Runs one case on one backend pair (registered as `name`) and classifies it (an exception is a failure with its message). */
async function runOne(
  name: string,
  c: ConformanceCase,
  eager: Backend,
  lazy: Backend,
  reference: ReferenceOutputs,
  known: ExpectedFailure | undefined,
): Promise<CaseResult> {
  const tol = caseTolerance(c);
  const base = {
    backend: name,
    caseName: c.name,
    op: c.ops[0]!,
    scale: c.scale,
    tolerance: tol.maxRelError,
    ...(c.tolerance ? { toleranceName: c.tolerance } : {}),
  };
  let check: {
    maxRelError: number;
    bitIdentical: boolean | undefined;
    comparisons: readonly ComparisonResult[];
    problems: string[];
  };
  try {
    const run = await evaluateCase(c, eager, lazy, await reference.get(c));
    const comparisons = run.comparisons.map(({ problems, ...planned }) => ({
      ...planned,
      passed: problems.length === 0,
    }));
    check = { ...run, comparisons };
  } catch (e) {
    check = {
      maxRelError: Number.NaN,
      bitIdentical: undefined,
      comparisons: [],
      problems: [`threw: ${describeError(e)}`],
    };
  }
  const failed = check.problems.length > 0;
  const status: CaseStatus =
    known === undefined ? (failed ? "fail" : "pass") : failed ? "expected-failure" : "unexpected-pass";
  const problems =
    status === "unexpected-pass"
      ? [`listed in expected-failures.ts (${known!.reason}) but passes: remove the entry`]
      : check.problems;
  return {
    ...base,
    status,
    maxRelError: check.maxRelError,
    bitIdentical: check.bitIdentical,
    comparisons: check.comparisons,
    problems,
  };
}

/** Runs every case on one available backend; returns its results and what each case run compares. */
async function runBackend(
  factory: BackendFactory,
  opts: ReportOptions,
  reference: ReferenceOutputs,
): Promise<{ results: CaseResult[]; plan: PlannedComparison[] }> {
  const eager = await factory.create({ mode: "eager" });
  const lazy = await factory.create({ mode: "lazy" });
  try {
    const plan = planComparisons(eager, lazy);
    const implemented = implementedFusedOps(eager);
    const results: CaseResult[] = [];
    for (const [i, c] of opts.cases.entries()) {
      const notRun = !caseApplies(c, implemented)
        ? "not-implemented"
        : c.scale === "medium" && factory.name === referenceBackendFactory.name
          ? "skipped"
          : undefined;
      if (notRun !== undefined) {
        results.push({
          backend: factory.name,
          caseName: c.name,
          op: c.ops[0]!,
          scale: c.scale,
          status: notRun,
          ...(c.tolerance ? { toleranceName: c.tolerance } : {}),
          maxRelError: Number.NaN,
          tolerance: caseTolerance(c).maxRelError,
          bitIdentical: undefined,
          comparisons: [],
          problems: notRun === "skipped" ? [REFERENCE_MEDIUM] : [],
        });
        continue;
      }
      const known = opts.expectedFailures.find((f) => f.backend === factory.name && f.caseName === c.name);
      const started = performance.now();
      results.push(await runOne(factory.name, c, eager, lazy, reference, known));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (c.scale === "medium")
        opts.onProgress?.(`${factory.name}: ${i + 1}/${opts.cases.length} ${c.name} (${seconds} s)`);
      else if ((i + 1) % 50 === 0 || i + 1 === opts.cases.length)
        opts.onProgress?.(`${factory.name}: ${i + 1}/${opts.cases.length} cases`);
    }
    return { results, plan };
  } finally {
    eager.dispose();
    lazy.dispose();
  }
}

/** Runs the report over every factory in `opts.factories`, in order. */
export async function runConformanceReport(opts: ReportOptions): Promise<ConformanceReport> {
  const backends: BackendRun[] = [];
  const results: CaseResult[] = [];
  const reference = new ReferenceOutputs();
  try {
    for (const factory of opts.factories) {
      const reason = await factory.unavailableReason();
      const plan = availabilityPlan(factory.name, reason, opts.required);
      if (plan !== "run") {
        const why = plan === "fail" ? `${reason} (required by DLRM_REQUIRED_BACKENDS)` : reason!;
        backends.push({
          name: factory.name,
          label: backendLabel(factory.name),
          status: plan === "fail" ? "failed" : "skipped",
          reason: why,
        });
        opts.onProgress?.(`${factory.name}: ${plan === "fail" ? "FAILED" : "skipped"}: ${why}`);
        continue;
      }
      let info: Backend["info"];
      try {
        const probe = await factory.create({ mode: "eager" });
        info = probe.info;
        probe.dispose();
      } catch (e) {
        backends.push({
          name: factory.name,
          label: backendLabel(factory.name),
          status: "failed",
          reason: `failed to start: ${describeError(e)}`,
        });
        continue;
      }
      const run = await runBackend(factory, opts, reference);
      results.push(...run.results);
      backends.push({
        name: factory.name,
        label: backendLabel(factory.name),
        status: "ran",
        device: info.device,
        deterministic: info.deterministic,
        compares: run.plan.map(describeComparison),
      });
    }
  } finally {
    reference.dispose();
  }
  const passed = backends.every((b) => b.status !== "failed") && !results.some(isFailure);
  return { backends, results, passed };
}
