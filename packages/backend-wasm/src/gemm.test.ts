/**
 * GEMM tests: the wasm `gemm` against a float64 triple loop in all four transpose cases,
 * odd and tiny sizes, alpha/beta, NaN in C with beta = 0, K = 0; bit-identical results on
 * 1 and 2 threads; `linearForward` against gemm + bias + ReLU; unknown precisions refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "@dlrm/core";
import { WasmBackend } from "./backend.js";
import { PARALLEL_MIN_MACS, bands } from "./gemm-pool.js";

/** Deterministic values in [-1, 1). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** C = alpha op(A) op(B) + beta C0 in float64 (beta = 0 ignores C0). */
function reference(
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p]! * b[transB ? j * k + p : p * n + j]!;
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c0[i * n + j]!);
    }
  }
  return out;
}

const CASES: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

let one: WasmBackend;
let two: WasmBackend;
beforeAll(async () => {
  one = await WasmBackend.create(1);
  two = await WasmBackend.create(2);
});
afterAll(() => {
  one.dispose();
  two.dispose();
});

async function runGemm(
  be: WasmBackend,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
  c0: Float32Array,
  seed: number,
): Promise<{ got: Float32Array; a: Float32Array; b: Float32Array }> {
  const a = seeded(m * k, seed),
    b = seeded(k * n, seed + 1);
  const ta = be.alloc([m * k], "f32"),
    tb = be.alloc([k * n], "f32"),
    tc = be.alloc([m * n], "f32");
  be.write(ta, a);
  be.write(tb, b);
  be.write(tc, c0);
  be.gemm({ a: ta, b: tb, c: tc, m, n, k, transA, transB, alpha, beta });
  const got = (await be.read(tc)) as Float32Array;
  for (const t of [ta, tb, tc]) be.free(t);
  return { got, a, b };
}

function expectClose(got: Float32Array, want: Float64Array, k: number, scale: number): void {
  const tol = 2e-6 * (k + 4) * scale + 1e-6;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe("gemm against a float64 triple loop", () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 3],
    [5, 1, 9],
    [3, 5, 7],
    [4, 8, 16],
    [13, 17, 19],
    [33, 65, 257],
    [130, 9, 300],
    [67, 600, 5],
  ];
  for (const [transA, transB] of CASES) {
    for (const [m, n, k] of sizes) {
      it(`transA=${transA} transB=${transB} ${m}x${n}x${k}, alpha 0.75, beta 0`, async () => {
        const c0 = new Float32Array(m * n).fill(123);
        const { got, a, b } = await runGemm(one, m, n, k, transA, transB, 0.75, 0, c0, m * 31 + n * 7 + k);
        expectClose(got, reference(a, b, c0, m, n, k, transA, transB, 0.75, 0), k, 0.75);
      });
    }
    it(`transA=${transA} transB=${transB} accumulates with alpha -1.5, beta 0.5`, async () => {
      const m = 37,
        n = 45,
        k = 290;
      const c0 = seeded(m * n, 99);
      const { got, a, b } = await runGemm(one, m, n, k, transA, transB, -1.5, 0.5, c0, 5);
      expectClose(got, reference(a, b, c0, m, n, k, transA, transB, -1.5, 0.5), k, 1.5);
    });
  }

  it("beta = 0 ignores NaN and Infinity already in C", async () => {
    const m = 9,
      n = 11,
      k = 6;
    const c0 = new Float32Array(m * n).fill(Number.NaN);
    c0[3] = Number.POSITIVE_INFINITY;
    const { got, a, b } = await runGemm(one, m, n, k, false, true, 1, 0, c0, 3);
    expect(got.every(Number.isFinite)).toBe(true);
    expectClose(got, reference(a, b, c0, m, n, k, false, true, 1, 0), k, 1);
  });

  it("beta = 1 keeps NaN already in C (it accumulates)", async () => {
    const c0 = new Float32Array(4 * 4).fill(1);
    c0[5] = Number.NaN;
    const { got } = await runGemm(one, 4, 4, 4, false, false, 1, 1, c0, 8);
    expect(Number.isNaN(got[5]!)).toBe(true);
    expect(Number.isNaN(got[4]!)).toBe(false);
  });

  it("K = 0 gives beta * C (zero for beta = 0)", async () => {
    const c0 = new Float32Array(6).fill(2);
    expect(Array.from((await runGemm(one, 2, 3, 0, false, false, 1, 0.5, c0, 1)).got)).toEqual([1, 1, 1, 1, 1, 1]);
    c0.fill(Number.NaN);
    expect(Array.from((await runGemm(one, 2, 3, 0, true, true, 1, 0, c0, 1)).got)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("threads", () => {
  it("splits bands on multiples of 8 that cover the range", () => {
    expect(bands(100, 2)).toEqual([
      [0, 48],
      [48, 100],
    ]);
    expect(bands(5, 2)).toEqual([
      [0, 0],
      [0, 5],
    ]);
    expect(bands(1024, 3).at(-1)![1]).toBe(1024);
  });

  for (const [transA, transB] of CASES) {
    for (const [m, n, k] of [
      [301, 97, 150],
      [70, 515, 129],
    ] as const) {
      it(`2 threads match 1 thread bit for bit (transA=${transA} transB=${transB} ${m}x${n}x${k})`, async () => {
        expect(m * n * k).toBeGreaterThanOrEqual(PARALLEL_MIN_MACS);
        const c0 = seeded(m * n, 4);
        const single = await runGemm(one, m, n, k, transA, transB, 1.25, 0.5, c0, 11);
        const threaded = await runGemm(two, m, n, k, transA, transB, 1.25, 0.5, c0, 11);
        expect(new Uint32Array(threaded.got.buffer)).toEqual(new Uint32Array(single.got.buffer));
        expectClose(threaded.got, reference(single.a, single.b, c0, m, n, k, transA, transB, 1.25, 0.5), k, 1.25);
      });
    }
  }

  it("reports its thread count", () => {
    expect(two.info.device).toContain("2 threads");
    expect(one.info.device).toContain("1 thread");
  });
});

describe("linearForward", () => {
  async function linear(
    be: WasmBackend,
    batch: number,
    inF: number,
    outF: number,
    activation: "none" | "relu",
  ): Promise<{ got: Float32Array; want: Float64Array }> {
    const x = seeded(batch * inF, 21),
      w = seeded(outF * inF, 22),
      bias = seeded(outF, 23);
    const tx = be.alloc([batch, inF], "f32"),
      tw = be.alloc([outF, inF], "f32"),
      tb = be.alloc([outF], "f32"),
      ty = be.alloc([batch, outF], "f32");
    be.write(tx, x);
    be.write(tw, w);
    be.write(tb, bias);
    be.fill({ t: ty, value: Number.NaN });
    be.linearForward({
      x: tx,
      weight: tw,
      bias: tb,
      y: ty,
      batchSize: batch,
      inFeatures: inF,
      outFeatures: outF,
      activation,
    });
    const got = (await be.read(ty)) as Float32Array;
    const want = reference(x, w, new Float32Array(batch * outF), batch, outF, inF, false, true, 1, 0);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < outF; j++) {
        const v = want[i * outF + j]! + bias[j]!;
        want[i * outF + j] = activation === "relu" ? Math.max(v, 0) : v;
      }
    }
    for (const t of [tx, tw, tb, ty] as Tensor[]) be.free(t);
    return { got, want };
  }

  for (const activation of ["none", "relu"] as const) {
    it(`y = ${activation}(x W^T + b) on odd sizes, over several K blocks`, async () => {
      const { got, want } = await linear(one, 13, 300, 21, activation);
      expectClose(got, want, 300, 1);
      if (activation === "relu") expect(got.every((v) => v >= 0)).toBe(true);
    });
  }

  it("is bit-identical on 1 and 2 threads", async () => {
    expect(64 * 256 * 300).toBeGreaterThanOrEqual(PARALLEL_MIN_MACS);
    const a = await linear(one, 64, 256, 300, "relu");
    const b = await linear(two, 64, 256, 300, "relu");
    expect(new Uint32Array(b.got.buffer)).toEqual(new Uint32Array(a.got.buffer));
  });
});

describe("gemm argument checks", () => {
  it("refuses an unknown precision with a clear message", () => {
    const t = one.alloc([4], "f32");
    expect(() =>
      one.gemm({
        a: t,
        b: t,
        c: t,
        m: 2,
        n: 2,
        k: 2,
        transA: false,
        transB: false,
        alpha: 1,
        beta: 0,
        precision: "fp8" as never,
      }),
    ).toThrow('gemm: argument "precision" must be one of "fp32", "bf16", got "fp8"');
    one.free(t);
  });

  it("refuses tensors too small for the dims, naming the argument", () => {
    const a = one.alloc([6], "f32"),
      b = one.alloc([6], "f32"),
      c = one.alloc([3], "f32");
    expect(() => one.gemm({ a, b, c, m: 2, n: 2, k: 3, transA: false, transB: false, alpha: 1, beta: 0 })).toThrow(
      /"c" has 3 elements, needs at least 4/,
    );
    expect(() => one.gemm({ a, b, c, m: 2.5, n: 1, k: 1, transA: false, transB: false, alpha: 1, beta: 0 })).toThrow(
      /"m" must be an integer/,
    );
    for (const t of [a, b, c]) one.free(t);
  });

  it("throws naming the argument when a tensor was freed", () => {
    const a = one.alloc([4], "f32"),
      b = one.alloc([4], "f32"),
      c = one.alloc([4], "f32");
    one.free(b);
    expect(() => one.gemm({ a, b, c, m: 2, n: 2, k: 2, transA: false, transB: false, alpha: 1, beta: 0 })).toThrow(
      /gemm: argument "b".*freed/,
    );
    one.free(a);
    one.free(c);
  });

  it("naive baseline agrees with the reference", async () => {
    const m = 7,
      n = 9,
      k = 11;
    for (const [transA, transB] of CASES) {
      const a = seeded(m * k, 1),
        b = seeded(k * n, 2);
      const ta = one.alloc([m * k], "f32"),
        tb = one.alloc([k * n], "f32"),
        tc = one.alloc([m * n], "f32");
      one.write(ta, a);
      one.write(tb, b);
      one.fill({ t: tc, value: Number.NaN });
      one.gemmNaive({ a: ta, b: tb, c: tc, m, n, k, transA, transB, alpha: 2, beta: 0 });
      expectClose(
        (await one.read(tc)) as Float32Array,
        reference(a, b, new Float32Array(m * n), m, n, k, transA, transB, 2, 0),
        k,
        2,
      );
      for (const t of [ta, tb, tc]) one.free(t);
    }
  });
});
