/**
 * The conformance engine, free of any test framework: availability of a backend, the
 * coverage guards, running one case on one backend (NaN poison, read back every output),
 * and checking it against the reference's outputs, bit for bit against a rerun, and lazy
 * against eager. The vitest suite (test/conformance) and `dlrm conformance` both use it.
 */
import { FUSED_OPS, REQUIRED_OPS, isRecordedReplay, type Backend, type FusedOpName } from "@dlrm/core";
import { CaseEnv, prod, type ConformanceCase } from "./case.js";
import { compareBits, compareOutputs, maxRelativeError, type Outputs } from "./compare.js";
import { toleranceFor, type Tolerance } from "./tolerances.js";

/** What overwritten i32 outputs hold before the call (f32 ones hold NaN). */
const I32_POISON = -0x5eadbeef;

/** Backend names listed in a DLRM_REQUIRED_BACKENDS-style value. */
export function parseRequiredBackends(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** What to do with a backend: run it, skip it (unavailable) or fail (unavailable but required). */
export function availabilityPlan(
  name: string,
  reason: string | undefined,
  required: readonly string[],
): "run" | "skip" | "fail" {
  if (reason === undefined) return "run";
  return required.includes(name) ? "fail" : "skip";
}

/** Required ops that no case covers. */
export function uncoveredRequiredOps(cases: readonly ConformanceCase[]): string[] {
  return REQUIRED_OPS.filter((op) => !cases.some((c) => c.ops.includes(op)));
}

/** Fused ops `backend` implements that no case covers. */
export function uncoveredFusedOps(cases: readonly ConformanceCase[], implemented: readonly FusedOpName[]): string[] {
  return implemented.filter((op) => !cases.some((c) => c.ops.includes(op)));
}

/** The fused ops a backend instance implements. */
export function implementedFusedOps(backend: Backend): FusedOpName[] {
  return FUSED_OPS.filter((op) => typeof backend[op] === "function");
}

/** Whether a backend implementing `implemented` can run case `c` (every fused op it names is there). */
export function caseApplies(c: ConformanceCase, implemented: readonly FusedOpName[]): boolean {
  return c.ops.every((op) => !(FUSED_OPS as readonly string[]).includes(op) || implemented.includes(op as FusedOpName));
}

/** The tolerance that judges case `c` (its named shape tolerance, else its first op's, at its precision). */
export function caseTolerance(c: ConformanceCase): Tolerance {
  return toleranceFor(c.ops[0]!, c.precision, c.tolerance);
}

/**
 * Runs one case on one backend. An op case: setup, poison the overwritten outputs, call,
 * markStep, read every declared output, free the case's tensors. A run case drives the
 * backend itself.
 */
export async function runCase(backend: Backend, c: ConformanceCase): Promise<Outputs> {
  if ("run" in c) return c.run(backend);
  const env = new CaseEnv(backend, c.seed);
  try {
    const call = c.setup(env);
    for (const t of env.poisoned) {
      backend.write(
        t,
        t.dtype === "f32" ? new Float32Array(t.size).fill(NaN) : new Int32Array(t.size).fill(I32_POISON),
      );
    }
    call();
    backend.markStep();
    const out = new Map<string, Float32Array | Int32Array>();
    for (const [name, t] of env.compared) {
      const data = await backend.read(t);
      if (data.length !== prod(t.shape))
        throw new Error(`${c.name}: read(${name}) returned ${data.length} elements for shape [${t.shape.join(", ")}]`);
      out.set(name, data);
    }
    return out;
  } finally {
    env.freeAll();
  }
}

/** What one comparison of a case compares. */
export type ComparisonKind = "eager-vs-reference" | "lazy-vs-reference" | "rerun-bits" | "lazy-vs-eager-bits";

/**
 * One comparison made for a case on a backend. `counted` is false where the comparison holds
 * by construction (the reference backend against the float64 reference it is; a recorded
 * replay, core's `withLazyMode`, against the eager calls it replays): it still runs and a
 * failure still fails the case, but it is never counted as a pass.
 */
export interface Comparison {
  readonly kind: ComparisonKind;
  /** In words, as the report prints it: "eager vs float64 reference", "lazy vs eager, bit for bit". */
  readonly compares: string;
  readonly counted: boolean;
  /** Why it is not counted (absent when counted). */
  readonly notCountedWhy?: string;
  /** One line per problem; empty when it holds. */
  readonly problems: readonly string[];
}

/** A comparison before it is run: what it compares and whether it can fail. */
export type PlannedComparison = Omit<Comparison, "problems">;

/** Registry name of the reference backend (the oracle every other backend is compared with). */
const REFERENCE_NAME = "reference";

/** Why the reference backend's own comparison with the float64 reference is not counted. */
export const SELF_COMPARISON = "the reference backend is the float64 reference: compared with itself";
/** Why a recorded replay's lazy == eager is not counted. */
export const REPLAY_COMPARISON = "recorded replay (withLazyMode): lazy runs the eager calls again in order";

/**
 * The comparisons a case makes on the pair (eager, lazy): eager within tolerance of the
 * float64 reference; for a backend claiming determinism, a bit-identical second eager run and
 * lazy == eager bit for bit; otherwise lazy within tolerance of the reference.
 */
export function planComparisons(eager: Backend, lazy: Backend): PlannedComparison[] {
  const self = eager.info.name === REFERENCE_NAME;
  const replay = isRecordedReplay(lazy);
  const vsRef = (kind: ComparisonKind, who: string): PlannedComparison =>
    self
      ? { kind, compares: `${who} vs float64 reference`, counted: false, notCountedWhy: SELF_COMPARISON }
      : { kind, compares: `${who} vs float64 reference`, counted: true };
  const plan: PlannedComparison[] = [vsRef("eager-vs-reference", "eager")];
  if (eager.info.deterministic) {
    plan.push({ kind: "rerun-bits", compares: "second eager run, bit for bit", counted: true });
    plan.push(
      replay
        ? {
            kind: "lazy-vs-eager-bits",
            compares: "lazy vs eager, bit for bit",
            counted: false,
            notCountedWhy: REPLAY_COMPARISON,
          }
        : { kind: "lazy-vs-eager-bits", compares: "lazy vs eager, bit for bit", counted: true },
    );
  } else {
    plan.push(vsRef("lazy-vs-reference", "lazy"));
  }
  return plan;
}

/** "lazy vs eager, bit for bit (recorded replay: not counted)": how a report names a comparison. */
export function describeComparison(c: PlannedComparison): string {
  if (c.counted) return c.compares;
  return `${c.compares} (${c.notCountedWhy === SELF_COMPARISON ? "the reference itself" : "recorded replay"}: not counted)`;
}

/** Everything measured about one case on one backend. */
export interface CaseCheck {
  /** Largest relative error of the eager and lazy outputs against the reference (tolerance floor). */
  readonly maxRelError: number;
  /** Whether a second eager run gave the same bits. */
  readonly bitIdentical: boolean;
  /** Whether the lazy run gave the eager run's bits. */
  readonly lazyIdentical: boolean;
  /** Every comparison made, counted or not. */
  readonly comparisons: readonly Comparison[];
  /** One line per problem of any comparison; empty when the case passes. */
  readonly problems: string[];
}

/**
 * All checks of one case against the reference's outputs `want`, as `planComparisons` lists
 * them. The rerun is always made, so the report can say whether the bits repeat.
 */
export async function evaluateCase(
  c: ConformanceCase,
  eager: Backend,
  lazy: Backend,
  want: Outputs,
): Promise<CaseCheck> {
  const tol = caseTolerance(c);
  const got = await runCase(eager, c);
  const lazyGot = await runCase(lazy, c);
  const rerun = await runCase(eager, c);
  const rerunProblems = compareBits(got, rerun, "second eager run differs (backend claims determinism)");
  const lazyProblems = compareBits(got, lazyGot, "lazy differs from eager");
  const problemsOf: Record<ComparisonKind, () => string[]> = {
    "eager-vs-reference": () => compareOutputs(got, want, tol).map((p) => `eager vs reference: ${p}`),
    "lazy-vs-reference": () => compareOutputs(lazyGot, want, tol).map((p) => `lazy vs reference: ${p}`),
    "rerun-bits": () => rerunProblems,
    "lazy-vs-eager-bits": () => lazyProblems,
  };
  const comparisons = planComparisons(eager, lazy).map((p) => ({ ...p, problems: problemsOf[p.kind]() }));
  return {
    maxRelError: Math.max(maxRelativeError(got, want, tol.floor), maxRelativeError(lazyGot, want, tol.floor)),
    bitIdentical: rerunProblems.length === 0,
    lazyIdentical: lazyProblems.length === 0,
    comparisons,
    problems: comparisons.flatMap((x) => x.problems),
  };
}

/** All checks of one case, computing the reference's outputs first. Returns problem lines (none = pass). */
export async function checkCase(
  c: ConformanceCase,
  eager: Backend,
  lazy: Backend,
  reference: Backend,
): Promise<string[]> {
  return (await evaluateCase(c, eager, lazy, await runCase(reference, c))).problems;
}
