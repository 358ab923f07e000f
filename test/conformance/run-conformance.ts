/**
 * The conformance suite as vitest tests: `describeConformance(factory)` registers one test
 * per unit-scale case (plus coverage and bookkeeping guards) that checks the backend against
 * a fresh reference backend with @dlrm/conformance's engine; each title says what the case
 * compares, and which comparisons hold by construction (not counted, still run); and every
 * error case (the exact error class, message and stage) in eager and lazy mode. A backend that cannot start is
 * skipped with its reason unless DLRM_REQUIRED_BACKENDS names it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUSED_OPS, ReferenceBackend, type Backend, type BackendFactory, type FusedOpName } from "@dlrm/core";
import {
  ALL_CASES,
  ERROR_CASES,
  EXPECTED_FAILURES,
  availabilityPlan,
  caseApplies,
  checkCase,
  checkErrorCase,
  describeComparison,
  implementedFusedOps,
  parseRequiredBackends,
  planComparisons,
  uncoveredFusedOps,
  uncoveredRequiredOps,
  type ConformanceCase,
  type ErrorCase,
  type ExpectedFailure,
} from "@dlrm/conformance";

/** Options for `describeConformance`; the defaults are the real suite. */
export interface ConformanceOptions {
  /** Cases to run (default: every unit-scale case; Medium-shaped ones are always left out). */
  readonly cases?: readonly ConformanceCase[];
  /** Known failures (default: expected-failures.ts). */
  readonly expectedFailures?: readonly ExpectedFailure[];
  /** Error cases to run in each mode, with the disposed-backend check (default: ERROR_CASES; none skips both). */
  readonly errorCases?: readonly ErrorCase[];
  /** Backends that must run (default: DLRM_REQUIRED_BACKENDS, comma-separated). */
  readonly requiredBackends?: readonly string[];
}

/** Registers the whole conformance suite for one backend factory. */
export function describeConformance(factory: BackendFactory, options: ConformanceOptions = {}): void {
  const cases = (options.cases ?? ALL_CASES).filter((c) => c.scale === "unit");
  const expectedFailures = (options.expectedFailures ?? EXPECTED_FAILURES).filter((f) => f.backend === factory.name);
  const required = options.requiredBackends ?? parseRequiredBackends(process.env.DLRM_REQUIRED_BACKENDS);

  describe(`conformance: ${factory.name}`, async () => {
    const reason = await factory.unavailableReason();
    const plan = availabilityPlan(factory.name, reason, required);
    if (plan !== "run") {
      const name =
        plan === "skip"
          ? `${factory.name} is unavailable here: ${reason}`
          : `${factory.name} is required (DLRM_REQUIRED_BACKENDS) but unavailable`;
      it.skipIf(plan === "skip")(name, () => {
        throw new Error(`${factory.name} is unavailable: ${reason}`);
      });
      return;
    }

    const probe = await factory.create({ mode: "eager" });
    const lazyProbe = await factory.create({ mode: "lazy" });
    const implemented = implementedFusedOps(probe);
    const comparisons = planComparisons(probe, lazyProbe);
    lazyProbe.dispose();
    probe.dispose();
    const compares = `compares: ${comparisons.map(describeComparison).join("; ")}`;

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

    it(`plan: what each case compares (${factory.name}): at least one comparison that could fail`, () => {
      expect(comparisons.filter((p) => p.counted).length, compares).toBeGreaterThan(0);
    });

    for (const c of cases) {
      if (!caseApplies(c, implemented)) continue;
      const known = expectedFailures.find((f) => f.caseName === c.name);
      const test = async (): Promise<void> => {
        expect(await checkCase(c, eager, lazy, reference)).toEqual([]);
      };
      if (known === undefined) it(`${c.name} [${compares}]`, test);
      else it.fails(`${c.name} [${compares}] [expected failure: ${known.reason}]`, test);
    }

    const errorCases = options.errorCases ?? ERROR_CASES;
    for (const mode of ["eager", "lazy"] as const) {
      for (const c of errorCases) {
        if ((FUSED_OPS as readonly string[]).includes(c.op) && !implemented.includes(c.op as FusedOpName)) continue;
        it(`${c.name} (${mode})`, async () => {
          expect(await checkErrorCase(mode === "eager" ? eager : lazy, c)).toEqual([]);
        });
      }
    }
    if (errorCases.length > 0)
      it("errors/disposed: every call after dispose() throws naming the backend", async () => {
        const be = await factory.create({ mode: "eager" });
        const t = be.alloc([2], "f32");
        be.dispose();
        const want = (op: string) => new Error(`${op}: the ${factory.name} backend has been disposed`);
        expect(() => be.alloc([2], "f32")).toThrow(want("alloc"));
        expect(() => be.fill({ t, value: 1 })).toThrow(want("fill"));
        await expect(be.read(t)).rejects.toThrow(want("read"));
      });
  });
}
