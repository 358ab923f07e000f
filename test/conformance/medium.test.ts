/**
 * The Medium-shaped conformance cases (gemm 512x1024x1024 and 512x4096x4096 in all four
 * transposes, with the K = 4096 tolerance; 38-index bags of D = 64 at batch 512) on the gaudi
 * backend, native (host CPU), so every `npm test` re-checks the tolerances justified for them.
 * gemm is compared with a row-sampled float64 reference (bit for bit the full reference's
 * rows: checked here too), the bags with the full reference; plus a bit-identical rerun and
 * lazy == eager (gaudi's own lazy engine, not a recorded replay).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReferenceBackend, backendLabel, type Backend } from "@dlrm/core";
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
import { describeBackend } from "@dlrm/conformance/vitest";
import {
  ALL_CASES,
  EXPECTED_FAILURES,
  MEDIUM_CASES,
  caseTolerance,
  compareBits,
  compareOutputs,
  describeComparison,
  planComparisons,
  runCase,
  sampleRows,
  sampledGemmReference,
  takeRows,
  type ConformanceCase,
  type OpCase,
  type Outputs,
} from "@dlrm/conformance";

/** Rows of C compared per Medium gemm case, spread over M (first and last included). */
const SAMPLED_ROWS = 16;

const factory = gaudiBackendFactory;
const isGemm = (c: ConformanceCase): c is OpCase => c.ops.length === 1 && c.ops[0] === "gemm" && "setup" in c;

/** The eager outputs' problems against the float64 reference (row-sampled for gemm). */
async function againstReference(
  c: ConformanceCase,
  got: Outputs,
  who: string,
  rows: readonly number[] = sampleRows(512, SAMPLED_ROWS),
): Promise<string[]> {
  const tol = caseTolerance(c);
  if (isGemm(c)) {
    const ref = await sampledGemmReference(c, rows);
    const mine = new Map([["c", takeRows(got.get("c") as Float32Array, ref.n, ref.rows)]]);
    return compareOutputs(mine, new Map([["c", ref.values]]), tol).map(
      (p) => `${who} vs reference (rows ${ref.rows.join(",")}): ${p}`,
    );
  }
  const reference = new ReferenceBackend();
  try {
    return compareOutputs(got, await runCase(reference, c), tol).map((p) => `${who} vs reference: ${p}`);
  } finally {
    reference.dispose();
  }
}

describe("the row-sampled gemm reference", () => {
  it("spreads its rows from the first to the last", () => {
    expect(sampleRows(512, 16)).toHaveLength(16);
    expect(sampleRows(512, 16)[0]).toBe(0);
    expect(sampleRows(512, 16)[15]).toBe(511);
    expect(sampleRows(3, 16)).toEqual([0, 1, 2]);
  });

  it("gives the full reference's rows bit for bit, in every transpose case, with and without beta", async () => {
    const cases = ALL_CASES.filter(isGemm).filter((c) => /^gemm\/(nn|nt|tn|tt) (129x7x33|33x65x5) /.test(c.name));
    expect(cases).toHaveLength(16);
    const reference = new ReferenceBackend();
    for (const c of cases) {
      const full = (await runCase(reference, c)).get("c") as Float32Array;
      const m = Number(/ (\d+)x/.exec(c.name)![1]);
      const sampled = await sampledGemmReference(c, sampleRows(m, 5));
      expect(
        compareBits(
          new Map([["c", sampled.values]]),
          new Map([["c", takeRows(full, sampled.n, sampled.rows)]]),
          c.name,
        ),
      ).toEqual([]);
    }
    reference.dispose();
  });

  it("fails a Medium gemm whose sampled row is off by more than the K = 4096 tolerance", async () => {
    const c = MEDIUM_CASES.find((x) => x.name === "gemm/medium tn 512x4096x4096")!;
    const ref = await sampledGemmReference(c as OpCase, sampleRows(512, 4));
    const full = new Float32Array(512 * ref.n).fill(Number.NaN);
    ref.rows.forEach((i, r) => full.set(ref.values.subarray(r * ref.n, (r + 1) * ref.n), i * ref.n));
    expect(await againstReference(c, new Map([["c", full]]), "eager", ref.rows)).toEqual([]);
    const at = ref.rows[2]! * ref.n + 7;
    full[at] = full[at]! + Math.max(Math.abs(full[at]!), 1) * 1e-2;
    expect((await againstReference(c, new Map([["c", full]]), "eager", ref.rows)).join("\n")).toMatch(
      /^eager vs reference \(rows 0,170,341,511\): c\[\d+\]: got/,
    );
  });
});

describeBackend(
  factory.name,
  await factory.unavailableReason(),
  `Medium-shaped conformance: ${backendLabel(factory.name)}`,
  () => {
    let eager: Backend;
    let lazy: Backend;
    beforeAll(async () => {
      eager = await factory.create({ mode: "eager" });
      lazy = await factory.create({ mode: "lazy" });
    });
    afterAll(() => {
      eager?.dispose();
      lazy?.dispose();
    });

    it("the Medium cases are all here, K = 4096 with its own tolerance", () => {
      expect(MEDIUM_CASES.filter((c) => c.tolerance === "gemm K=4096")).toHaveLength(4);
      expect(MEDIUM_CASES.every((c) => c.precision === "fp32")).toBe(true);
    });

    for (const c of MEDIUM_CASES) {
      const known = EXPECTED_FAILURES.find((f) => f.backend === factory.name && f.caseName === c.name);
      const test = async (): Promise<void> => {
        const comparisons = planComparisons(eager, lazy);
        expect(
          comparisons.every((p) => p.counted),
          comparisons.map(describeComparison).join("; "),
        ).toBe(true);
        const got = await runCase(eager, c);
        const lazyGot = await runCase(lazy, c);
        const problems = await againstReference(c, got, "eager");
        if (eager.info.deterministic) {
          problems.push(
            ...compareBits(got, await runCase(eager, c), "second eager run differs (backend claims determinism)"),
          );
          problems.push(...compareBits(got, lazyGot, "lazy differs from eager"));
        } else {
          problems.push(...(await againstReference(c, lazyGot, "lazy")));
        }
        expect(problems).toEqual([]);
      };
      const title = `${c.name} [compares: eager vs float64 reference${isGemm(c) ? ` (${SAMPLED_ROWS} sampled rows)` : ""}; second eager run and lazy vs eager, bit for bit]`;
      if (known === undefined) it(title, test, 300_000);
      else it.fails(`${title} [expected failure: ${known.reason}]`, test, 300_000);
    }
  },
);
