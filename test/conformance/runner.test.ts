/**
 * Tests of the conformance machinery itself: the comparison metrics, the coverage guard,
 * the availability plan, and that deliberately broken backends (unwritten outputs, NaN
 * leaking from C, nondeterminism, lazy != eager, clobbered rows) are caught, that only the
 * comparisons that could fail are counted (not the reference against itself, not a recorded
 * replay against its eager run). Ends with the
 * full suite on a broken backend whose failures are listed as expected (it.fails).
 */
import { describe, expect, it } from "vitest";
import {
  ReferenceBackend,
  isRecordedReplay,
  referenceBackendFactory,
  withLazyMode,
  type Backend,
  type BackendFactory,
} from "@dlrm/core";
import {
  ALL_CASES,
  MEDIUM_CASES,
  SHAPE_TOLERANCES,
  TOLERANCES,
  availabilityPlan,
  checkCase,
  compareBits,
  defineCase,
  describeComparison,
  formatReport,
  maxRelativeError,
  parseRequiredBackends,
  planComparisons,
  runConformanceReport,
  tallyComparisons,
  uncoveredFusedOps,
  uncoveredRequiredOps,
  worstMismatch,
} from "@dlrm/conformance";
import { describeConformance } from "./run-conformance.js";

const findCase = (name: string) => {
  const c = ALL_CASES.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no case ${name}`);
  return c;
};

/** reluForward writes nothing when out of place. */
class UnwrittenRelu extends ReferenceBackend {
  override readonly info = { ...new ReferenceBackend().info, name: "self-check-unwritten-relu" };
  override reluForward(args: Parameters<ReferenceBackend["reluForward"]>[0]): void {
    if (args.x !== args.y) return;
    super.reluForward(args);
  }
}

/** gemm reads C even when beta = 0 (NaN * 0 = NaN). */
class BetaZeroReadsC extends ReferenceBackend {
  override gemm(args: Parameters<ReferenceBackend["gemm"]>[0]): void {
    super.gemm({ ...args, beta: args.beta === 0 ? Number.MIN_VALUE : args.beta });
  }
}

/** gemm result varies in its last bits from call to call. */
class Jittery extends ReferenceBackend {
  private calls = 0;
  override gemm(args: Parameters<ReferenceBackend["gemm"]>[0]): void {
    this.calls++;
    super.gemm({ ...args, alpha: args.alpha * (1 + this.calls * 2 ** -21) });
  }
}

/** gemm result off by a couple of ulps, always the same way. */
class Perturbed extends ReferenceBackend {
  override gemm(args: Parameters<ReferenceBackend["gemm"]>[0]): void {
    super.gemm({ ...args, alpha: args.alpha * (1 + 2 ** -21) });
  }
}

/** embeddingBagsBackward zeroes every dRows row, including those past U. */
class ClobbersRows extends ReferenceBackend {
  override embeddingBagsBackward(args: Parameters<ReferenceBackend["embeddingBagsBackward"]>[0]): void {
    this.fill({ t: args.dRows, value: 0 });
    super.embeddingBagsBackward(args);
  }
}

const check = (name: string, eager: Backend, lazy: Backend = withLazyMode(eager)) =>
  checkCase(findCase(name), eager, lazy, new ReferenceBackend());

describe("comparison metrics", () => {
  it("relative error with a floor, NaN and infinities", () => {
    const tol = { maxRelError: 1e-3, floor: 1 };
    expect(worstMismatch([100.05, 0.0005], [100, 0], tol)).toBeUndefined();
    expect(worstMismatch([100.2, 0], [100, 0], tol)?.index).toBe(0);
    expect(worstMismatch([0.002], [0], tol)?.error).toBeCloseTo(0.002, 9);
    expect(worstMismatch([NaN], [NaN], tol)).toBeUndefined();
    expect(worstMismatch([NaN], [1], tol)?.error).toBe(Infinity);
    expect(worstMismatch([1], [NaN], tol)?.error).toBe(Infinity);
    expect(worstMismatch([Infinity], [Infinity], tol)).toBeUndefined();
    expect(worstMismatch([Infinity], [-Infinity], tol)?.error).toBe(Infinity);
    expect(worstMismatch([1, 2], [1], tol)?.index).toBe(-1);
  });

  it("max relative error measures every element, NaN mismatches are infinite", () => {
    const want = new Map([["x", Float32Array.from([100, 0, NaN])]]);
    expect(maxRelativeError(new Map([["x", Float32Array.from([100.5, 0.25, NaN])]]), want, 1)).toBeCloseTo(0.25, 9);
    expect(maxRelativeError(new Map([["x", Float32Array.from([100, 0, 1])]]), want, 1)).toBe(Infinity);
    expect(maxRelativeError(new Map(), want, 1)).toBe(Infinity);
  });

  it("bit comparison tells -0 from 0", () => {
    const a = new Map([["x", Float32Array.from([0, 1])]]);
    expect(compareBits(a, new Map([["x", Float32Array.from([0, 1])]]), "t")).toEqual([]);
    expect(compareBits(a, new Map([["x", Float32Array.from([-0, 1])]]), "t")).toHaveLength(1);
  });

  it("every tolerance has a reason", () => {
    for (const [op, byPrecision] of [...Object.entries(TOLERANCES), ...Object.entries(SHAPE_TOLERANCES)]) {
      for (const tol of Object.values(byPrecision)) expect(tol.reason.length, op).toBeGreaterThan(20);
    }
  });
});

describe("case lists", () => {
  it("every case is marked with its scale: the unit suite holds no Medium-shaped case", () => {
    expect(ALL_CASES.every((c) => c.scale === "unit")).toBe(true);
    expect(MEDIUM_CASES.length).toBeGreaterThanOrEqual(10);
    expect(MEDIUM_CASES.every((c) => c.scale === "medium")).toBe(true);
    expect(MEDIUM_CASES.map((c) => c.name)).toContain("gemm/medium tt 512x4096x4096");
    expect(MEDIUM_CASES.filter((c) => c.tolerance === "gemm K=4096").map((c) => c.name.split(" ")[1])).toEqual([
      "nn",
      "nt",
      "tn",
      "tt",
    ]);
  });

  it("the whole training step has cases", () => {
    expect(ALL_CASES.filter((c) => c.ops.includes("trainingStep")).length).toBeGreaterThanOrEqual(2);
  });
});

describe("coverage guard and availability", () => {
  it("finds a required op without a case", () => {
    expect(uncoveredRequiredOps(ALL_CASES)).toEqual([]);
    expect(uncoveredRequiredOps(ALL_CASES.filter((c) => !c.ops.includes("gemm")))).toEqual(["gemm"]);
  });

  it("finds an implemented fused op without a case", () => {
    expect(
      uncoveredFusedOps(ALL_CASES, ["linearForward", "fusedAdagradStep", "embeddingBagsBackwardSparseStep"]),
    ).toEqual([]);
    expect(
      uncoveredFusedOps(
        ALL_CASES.filter((c) => !c.ops.includes("linearForward")),
        ["linearForward"],
      ),
    ).toEqual(["linearForward"]);
  });

  it("skips an unavailable backend unless it is required", () => {
    expect(parseRequiredBackends(" reference, wasm ,")).toEqual(["reference", "wasm"]);
    expect(parseRequiredBackends(undefined)).toEqual([]);
    expect(availabilityPlan("wasm", undefined, [])).toBe("run");
    expect(availabilityPlan("wasm", "not built", [])).toBe("skip");
    expect(availabilityPlan("wasm", "not built", ["reference", "wasm"])).toBe("fail");
  });
});

describe("broken backends are caught", () => {
  it("the reference passes its own checks", async () => {
    expect(await check("reluForward/7", new ReferenceBackend())).toEqual([]);
  });

  it("an unwritten output stays NaN and fails", async () => {
    const problems = await check("reluForward/7", new UnwrittenRelu());
    expect(problems.join("\n")).toMatch(/eager vs reference: y\[\d+\]: got NaN/);
  });

  it("gemm with beta = 0 must ignore NaN in C", async () => {
    expect(await check("gemm/nn 7x33x65 alpha 1 beta 0", new BetaZeroReadsC())).not.toEqual([]);
    expect(await check("gemm/nn 7x33x65 alpha -1.5 beta 0.75", new BetaZeroReadsC())).toEqual([]);
  });

  it("a backend claiming determinism must repeat bit for bit", async () => {
    const problems = await check("gemm/tn 7x33x65 alpha 1 beta 0", new Jittery());
    expect(problems.join("\n")).toMatch(/second eager run differs/);
  });

  it("lazy must equal eager bit for bit", async () => {
    const problems = await check(
      "gemm/tn 7x33x65 alpha 1 beta 0",
      new ReferenceBackend(),
      withLazyMode(new Perturbed()),
    );
    expect(problems.join("\n")).toMatch(/lazy differs from eager/);
  });

  it("rows of dRows past U must stay untouched", async () => {
    const problems = await check("embeddingBagsBackward/B=4 T=3 D=5 empty bags", new ClobbersRows());
    expect(problems.join("\n")).toMatch(/dRows\[\d+\]: got 0, want NaN/);
  });
});

describe("the cross-backend report", () => {
  const mediumLike = defineCase({
    name: "gemm/medium-scale self-check 3x4x5",
    ops: ["gemm"],
    scale: "medium",
    setup(env) {
      const a = env.random([3, 5]);
      const b = env.random([5, 4]);
      const c = env.output("c", [3, 4]);
      return () => env.backend.gemm({ a, b, c, m: 3, n: 4, k: 5, transA: false, transB: false, alpha: 1, beta: 0 });
    },
  });
  const copy: BackendFactory = {
    name: "reference-copy",
    unavailableReason: async () => undefined,
    create: async (o = {}) => (o.mode === "lazy" ? withLazyMode(new ReferenceBackend()) : new ReferenceBackend()),
  };

  it("runs Medium-shaped cases on other backends but not on the reference oracle itself", async () => {
    const report = await runConformanceReport({
      factories: [referenceBackendFactory, copy],
      cases: [mediumLike],
      expectedFailures: [],
      required: [],
    });
    expect(report.results.map((r) => [r.backend, r.status])).toEqual([
      ["reference", "skipped"],
      ["reference-copy", "pass"],
    ]);
    expect(report.passed).toBe(true);
    const text = formatReport(report);
    expect(text).toMatch(/^gemm \[medium\]\s+1\.0e-4\s+skipped\s+self pass yes$/m);
    expect(text).toMatch(/^skipped: the reference is the oracle/m);
  });
});

/** A reference-computing backend under its own name, with a lazy mode of its own (not withLazyMode's replay). */
class OwnLazy extends ReferenceBackend {
  override readonly info = { ...new ReferenceBackend().info, name: "own-lazy" };
  constructor(override readonly mode: "eager" | "lazy") {
    super();
  }
}

describe("only comparisons that could fail are counted", () => {
  const named = (
    name: string,
    lazy: (b: ReferenceBackend) => Backend,
    make: (mode: "eager" | "lazy") => ReferenceBackend,
  ): BackendFactory => ({
    name,
    unavailableReason: async () => undefined,
    create: async (o = {}) => (o.mode === "lazy" ? lazy(make("lazy")) : make("eager")),
  });
  const replayed = named(
    "replayed",
    withLazyMode,
    () =>
      new (class extends ReferenceBackend {
        override readonly info = { ...new ReferenceBackend().info, name: "replayed" };
      })(),
  );
  const ownLazy = named(
    "own-lazy",
    (b) => b,
    (mode) => new OwnLazy(mode),
  );
  const cases = [findCase("reluForward/7"), findCase("gemm/nn 2x2x3 alpha 1 beta 0")];

  it("core marks withLazyMode's wrapper as a recorded replay, and nothing else", () => {
    expect(isRecordedReplay(withLazyMode(new ReferenceBackend()))).toBe(true);
    expect(isRecordedReplay(new ReferenceBackend())).toBe(false);
    expect(isRecordedReplay(new OwnLazy("lazy"))).toBe(false);
  });

  it("plans: the reference vs itself and a recorded replay are marked not counted, with why", () => {
    const ref = new ReferenceBackend();
    const plan = planComparisons(ref, withLazyMode(ref));
    expect(plan.map((p) => [p.compares, p.counted])).toEqual([
      ["eager vs float64 reference", false],
      ["second eager run, bit for bit", true],
      ["lazy vs eager, bit for bit", false],
    ]);
    expect(plan.map(describeComparison)).toEqual([
      "eager vs float64 reference (the reference itself: not counted)",
      "second eager run, bit for bit",
      "lazy vs eager, bit for bit (recorded replay: not counted)",
    ]);
    expect(planComparisons(new OwnLazy("eager"), new OwnLazy("lazy")).every((p) => p.counted)).toBe(true);
  });

  it("the report counts only those, per kind, and says what each backend compares", async () => {
    const report = await runConformanceReport({
      factories: [referenceBackendFactory, replayed, ownLazy],
      cases,
      expectedFailures: [],
      required: [],
    });
    expect(report.passed).toBe(true);
    const tally = Object.fromEntries(
      tallyComparisons(report.results).map((t) => [t.compares, [t.counted, t.passed, t.failed]]),
    );
    expect(tally).toEqual({
      "eager vs float64 reference (the reference itself: not counted)": [false, 2, 0],
      "second eager run, bit for bit": [true, 6, 0],
      "lazy vs eager, bit for bit (recorded replay: not counted)": [false, 4, 0],
      "eager vs float64 reference": [true, 4, 0],
      "lazy vs eager, bit for bit": [true, 2, 0],
    });
    const text = formatReport(report);
    // 3 backends x 2 cases = 6 case runs; the reference adds 1 countable comparison per case, replayed 2, own-lazy 3.
    expect(text).toMatch(/^conformance: passed \(12 comparisons that could fail, in 6 case runs\)$/m);
    expect(text).toMatch(
      /^reference: ran on .*; compares: eager vs float64 reference \(the reference itself: not counted\); second eager run, bit for bit; lazy vs eager, bit for bit \(recorded replay: not counted\)$/m,
    );
    expect(text).toMatch(
      /^own-lazy: ran on .*; compares: eager vs float64 reference; second eager run, bit for bit; lazy vs eager, bit for bit$/m,
    );
    expect(text).toMatch(/^reluForward\s+0\s+self pass yes\s+0 pass yes\s+0 pass yes$/m);
  });

  it("a failure of an uncounted comparison still fails the case", async () => {
    const problems = await check(
      "gemm/tn 7x33x65 alpha 1 beta 0",
      new ReferenceBackend(),
      withLazyMode(new Perturbed()),
    );
    expect(problems.join("\n")).toMatch(/lazy differs from eager/);
  });
});

describe("the backend named gaudi is labelled native (host CPU)", () => {
  it("in the table header, its backend line, its FAIL lines and the JSON entry", async () => {
    class SloppyGaudi extends ReferenceBackend {
      override readonly info = { ...new ReferenceBackend().info, name: "gaudi" };
      override gemm(args: Parameters<ReferenceBackend["gemm"]>[0]): void {
        super.gemm({ ...args, alpha: args.alpha * (1 + 1e-3) });
      }
    }
    const gaudi: BackendFactory = {
      name: "gaudi",
      unavailableReason: async () => undefined,
      create: async (o = {}) => (o.mode === "lazy" ? withLazyMode(new SloppyGaudi()) : new SloppyGaudi()),
    };
    const report = await runConformanceReport({
      factories: [gaudi],
      cases: [findCase("gemm/nn 2x2x3 alpha 1 beta 0")],
      expectedFailures: [],
      required: [],
    });
    const text = formatReport(report);
    expect(text).toMatch(/^op\s+tolerance\s+gaudi native \(host CPU\)$/m);
    expect(text).toMatch(/^gaudi native \(host CPU\): ran on /m);
    expect(text).toMatch(/^FAIL gaudi native \(host CPU\) gemm\/nn 2x2x3/m);
    expect(report.backends[0]!.label).toBe("gaudi native (host CPU)");
  });
});

const brokenReluFactory: BackendFactory = {
  name: "self-check-unwritten-relu",
  unavailableReason: async () => undefined,
  create: async (options = {}) => (options.mode === "lazy" ? withLazyMode(new UnwrittenRelu()) : new UnwrittenRelu()),
};

/** The full suite on a backend with a known bug: its cases are expected failures and must fail. */
describeConformance(brokenReluFactory, {
  expectedFailures: [1, 7, 1000].map((n) => ({
    backend: brokenReluFactory.name,
    caseName: `reluForward/${n}`,
    reason: "self-check: out-of-place reluForward writes nothing",
  })),
  // Its reluForward skips the checks on purpose; the error cases are held to the real backends.
  errorCases: [],
  requiredBackends: [],
});
