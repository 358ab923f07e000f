/**
 * The conformance runner: `describeConformance(factory)` registers one vitest test per case
 * (plus coverage and bookkeeping guards) that checks the backend against a fresh reference
 * backend, bit-for-bit against itself when it claims determinism, and lazy against eager.
 * A backend that cannot start is skipped with its reason unless DLRM_REQUIRED_BACKENDS names it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUSED_OPS, REQUIRED_OPS, ReferenceBackend, type Backend, type BackendFactory, type FusedOpName } from "@dlrm/core";
import { ALL_CASES } from "./cases.js";
import { CaseEnv, prod, type ConformanceCase } from "./case.js";
import { compareBits, compareOutputs, type Outputs } from "./compare.js";
import { EXPECTED_FAILURES, type ExpectedFailure } from "./expected-failures.js";
import { toleranceFor } from "./tolerances.js";

/** What overwritten i32 outputs hold before the call (f32 ones hold NaN). */
const I32_POISON = -0x5eadbeef;

/** Options for `describeConformance`; the defaults are the real suite. */
export interface ConformanceOptions {
  /** Cases to run (default: every case). */
  readonly cases?: readonly ConformanceCase[];
  /** Known failures (default: expected-failures.ts). */
  readonly expectedFailures?: readonly ExpectedFailure[];
  /** Backends that must run (default: DLRM_REQUIRED_BACKENDS, comma-separated). */
  readonly requiredBackends?: readonly string[];
}

/** Backend names listed in a DLRM_REQUIRED_BACKENDS-style value. */
export function parseRequiredBackends(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** What to do with a backend: run it, skip it (unavailable) or fail (unavailable but required). */
export function availabilityPlan(name: string, reason: string | undefined, required: readonly string[]): "run" | "skip" | "fail" {
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

/**
 * Runs one case on one backend: setup, poison the overwritten outputs, call, markStep,
 * read every declared output. Frees the case's tensors afterwards.
 */
export async function runCase(backend: Backend, c: ConformanceCase): Promise<Outputs> {
  const env = new CaseEnv(backend, c.seed);
  try {
    const call = c.setup(env);
    for (const t of env.poisoned) {
      backend.write(t, t.dtype === "f32" ? new Float32Array(t.size).fill(NaN) : new Int32Array(t.size).fill(I32_POISON));
    }
    call();
    backend.markStep();
    const out = new Map<string, Float32Array | Int32Array>();
    for (const [name, t] of env.compared) {
      const data = await backend.read(t);
      if (data.length !== prod(t.shape)) throw new Error(`${c.name}: read(${name}) returned ${data.length} elements for shape [${t.shape.join(", ")}]`);
      out.set(name, data);
    }
    return out;
  } finally {
    env.freeAll();
  }
}

/** All checks of one case: reference match, determinism, lazy == eager. Returns problem lines (none = pass). */
export async function checkCase(c: ConformanceCase, eager: Backend, lazy: Backend, reference: Backend): Promise<string[]> {
  const want = await runCase(reference, c);
  const got = await runCase(eager, c);
  const tol = toleranceFor(c.ops[0]!, c.precision);
  const problems = compareOutputs(got, want, tol).map((p) => `eager vs reference: ${p}`);
  const lazyGot = await runCase(lazy, c);
  if (eager.info.deterministic) {
    problems.push(...compareBits(got, await runCase(eager, c), "second eager run differs (backend claims determinism)"));
    problems.push(...compareBits(got, lazyGot, "lazy differs from eager"));
  } else {
    problems.push(...compareOutputs(lazyGot, want, tol).map((p) => `lazy vs reference: ${p}`));
  }
  return problems;
}

/** Registers the whole conformance suite for one backend factory. */
export function describeConformance(factory: BackendFactory, options: ConformanceOptions = {}): void {
  const cases = options.cases ?? ALL_CASES;
  const expectedFailures = (options.expectedFailures ?? EXPECTED_FAILURES).filter((f) => f.backend === factory.name);
  const required = options.requiredBackends ?? parseRequiredBackends(process.env.DLRM_REQUIRED_BACKENDS);

  describe(`conformance: ${factory.name}`, async () => {
    const reason = await factory.unavailableReason();
    const plan = availabilityPlan(factory.name, reason, required);
    if (plan === "skip") {
      it.skip(`${factory.name} is unavailable here: ${reason}`, () => undefined);
      return;
    }
    if (plan === "fail") {
      it(`${factory.name} is required (DLRM_REQUIRED_BACKENDS) but unavailable`, () => {
        throw new Error(`${factory.name} is unavailable: ${reason}`);
      });
      return;
    }

    const probe = await factory.create({ mode: "eager" });
    const implemented = implementedFusedOps(probe);
    probe.dispose();

    let eager: Backend;
    let lazy: Backend;
    let reference: Backend;
    beforeAll(async () => {
      eager = await factory.create({ mode: "eager" });
      lazy = await factory.create({ mode: "lazy" });
      reference = new ReferenceBackend();
    });
    afterAll(() => {
      eager?.dispose();
      lazy?.dispose();
      reference?.dispose();
    });

    it("coverage: every required op has a case", () => {
      expect(uncoveredRequiredOps(cases)).toEqual([]);
    });
    it(`coverage: every fused op ${factory.name} implements has a case`, () => {
      expect(uncoveredFusedOps(cases, implemented)).toEqual([]);
    });
    it("bookkeeping: case names are unique and every expected failure names a case", () => {
      const names = cases.map((c) => c.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
      expect(expectedFailures.filter((f) => !names.includes(f.caseName)).map((f) => f.caseName)).toEqual([]);
    });
    it("modes: the factory makes an eager and a lazy backend", () => {
      expect([eager.mode, lazy.mode]).toEqual(["eager", "lazy"]);
      expect(eager.info.name).toBe(factory.name);
    });

    for (const c of cases) {
      const fused = c.ops.filter((op): op is FusedOpName => (FUSED_OPS as readonly string[]).includes(op));
      if (fused.some((op) => !implemented.includes(op))) continue;
      const known = expectedFailures.find((f) => f.caseName === c.name);
      const test = async (): Promise<void> => {
        expect(await checkCase(c, eager, lazy, reference)).toEqual([]);
      };
      if (known === undefined) it(c.name, test);
      else it.fails(`${c.name} [expected failure: ${known.reason}]`, test);
    }
  });
}
