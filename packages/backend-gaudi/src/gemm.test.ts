/**
 * GEMM through OpenBLAS against a float64 triple loop: all four transpose cases, odd
 * sizes, alpha/beta accumulation, beta = 0 ignoring NaNs in C, empty dimensions, and
 * bf16 (operands rounded to bfloat16, fp32 accumulation); the large products that go to
 * oneDNN when it is built in (fp32, and bf16 on CPUs with bf16 dot products, checked
 * against float64 products of the bf16-rounded operands) on sampled entries, bit-identical
 * when rerun and on one thread, whichever library runs them.
 */
import { describe, expect, it } from "vitest";
import { roundArrayToBf16 } from "@dlrm/core";
import type { NativeEngine } from "./native.js";
import { addon, describeNative, rng } from "./test-util.js";

function gemmOracle(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
  alpha: number,
  beta: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i]! : a[i * k + p]!) * (tB ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * n + j]!);
    }
  }
  return out;
}

function run(
  e: NativeEngine,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  args: Record<string, unknown>,
): Float32Array {
  const ids = [a, b, c].map((d) => {
    const id = e.alloc(d.length, "f32", "x");
    e.write(id, d, 0);
    return id;
  });
  (e["gemm"] as (x: unknown) => void).call(e, { a: ids[0], b: ids[1], c: ids[2], ...args });
  const out = new Float32Array(c.length);
  e.read(ids[2]!, out);
  return out;
}

function randomArray(n: number, next: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

function maxRelError(got: Float32Array, want: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1));
  return worst;
}

describeNative("gemm vs a float64 triple loop", () => {
  const e = new (addon().Engine)(false);
  for (const [m, n, k] of [
    [37, 29, 53],
    [128, 64, 13],
    [1, 1, 1],
    [3, 130, 257],
  ] as const) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`m=${m} n=${n} k=${k} transA=${transA} transB=${transB}, alpha 0.5, beta 1.5`, () => {
          const next = rng(m * 1000 + n * 10 + k + (transA ? 1 : 0) + (transB ? 2 : 0));
          const a = randomArray(m * k, next);
          const b = randomArray(k * n, next);
          const c = randomArray(m * n, next);
          const got = run(e, a, b, c, { m, n, k, transA, transB, alpha: 0.5, beta: 1.5 });
          expect(maxRelError(got, gemmOracle(a, b, c, m, n, k, transA, transB, 0.5, 1.5))).toBeLessThan(1e-5);
        });
      }
    }
  }

  it("beta = 0 overwrites C, ignoring NaNs in it", () => {
    const next = rng(7);
    const a = randomArray(6, next);
    const b = randomArray(6, next);
    const got = run(e, a, b, new Float32Array(4).fill(NaN), {
      m: 2,
      n: 2,
      k: 3,
      transA: false,
      transB: false,
      alpha: 1,
      beta: 0,
    });
    expect(got.every(Number.isFinite)).toBe(true);
    expect(maxRelError(got, gemmOracle(a, b, new Float32Array(4), 2, 2, 3, false, false, 1, 0))).toBeLessThan(1e-6);
  });

  it("k = 0 gives beta * C, and m = 0 leaves C alone", () => {
    const c = Float32Array.from([1, 2, 3, 4]);
    expect(
      Array.from(
        run(e, new Float32Array(1), new Float32Array(1), c, {
          m: 2,
          n: 2,
          k: 0,
          transA: false,
          transB: false,
          alpha: 1,
          beta: 0,
        }),
      ),
    ).toEqual([0, 0, 0, 0]);
    expect(
      Array.from(
        run(e, new Float32Array(1), new Float32Array(1), c, {
          m: 2,
          n: 2,
          k: 0,
          transA: false,
          transB: false,
          alpha: 1,
          beta: 2,
        }),
      ),
    ).toEqual([2, 4, 6, 8]);
    expect(
      Array.from(
        run(e, new Float32Array(1), new Float32Array(2), c, {
          m: 0,
          n: 2,
          k: 1,
          transA: false,
          transB: false,
          alpha: 1,
          beta: 0,
        }),
      ),
    ).toEqual([1, 2, 3, 4]);
  });

  it("bf16 rounds the operands to bfloat16 (nearest even) and accumulates in fp32", () => {
    const a = Float32Array.from([1 + 2 ** -9, 1 + 3 * 2 ** -9, 3]);
    const b = Float32Array.from([1, 1, 1]);
    const got = run(e, a, b, new Float32Array(1), {
      m: 1,
      n: 1,
      k: 3,
      transA: false,
      transB: false,
      alpha: 1,
      beta: 0,
      precision: "bf16",
    });
    expect(got[0]).toBe(1 + (1 + 2 ** -7) + 3);
    const fp32 = run(e, a, b, new Float32Array(1), {
      m: 1,
      n: 1,
      k: 3,
      transA: false,
      transB: false,
      alpha: 1,
      beta: 0,
    });
    expect(fp32[0]).toBe(Math.fround(5 + 4 * 2 ** -9));
  });

  describe("large products (fp32 A*B^T >= 2^26, A^T*B and A*B in [2^26, 2^31), bf16 >= 2^24: oneDNN when built in)", () => {
    const withOneDnn = addon().info().onednn !== "";
    const bf16Route = addon().gemmLibrary(512, 256, 512, false, true, true);
    /** The rule's library, or the one DLRM_GEMM_LIBRARY forces for every GEMM. */
    const forced = addon().info().gemmLibrary;
    const expected = (lib: string, bf16: boolean): string =>
      !withOneDnn || forced === "openblas"
        ? "openblas"
        : forced === "onednn"
          ? bf16
            ? bf16Route
            : "onednn-matmul"
          : lib;
    for (const [m, n, k, transA, transB, bf16, lib] of [
      [512, 4096, 1024, false, true, false, "onednn-matmul"],
      [1024, 4096, 512, true, false, false, "openblas"],
      [512, 2048, 1024, false, false, false, "onednn-matmul"],
      [2048, 2048, 512, false, false, false, "openblas"],
      [1024, 512, 256, true, true, false, "openblas"],
      [4096, 128, 512, true, false, false, "onednn-matmul"],
      [128, 512, 256, false, true, false, "openblas"],
      [512, 256, 512, false, true, true, bf16Route],
      [256, 512, 512, true, false, true, bf16Route],
      [512, 512, 256, false, false, true, bf16Route],
    ] as const) {
      const precision = bf16 ? "bf16" : "fp32";
      it(`${m}x${n}x${k} transA=${transA} transB=${transB} ${precision}: ${expected(lib, bf16)}, sampled entries vs float64, bit-identical rerun and on 1 and 3 threads`, () => {
        expect(addon().gemmLibrary(m, n, k, transA, transB, bf16)).toBe(expected(lib, bf16));
        if (bf16 && withOneDnn) expect(["openblas", "onednn-bf16-matmul"]).toContain(lib);
        const next = rng(m + n + k + (transA ? 1 : 0));
        const raw = [randomArray(m * k, next), randomArray(k * n, next)] as const;
        const [a, b] = bf16 ? (raw.map((x) => roundArrayToBf16(x)) as [Float32Array, Float32Array]) : raw;
        const args = { m, n, k, transA, transB, alpha: 1, beta: 0, precision };
        const got = run(e, raw[0], raw[1], new Float32Array(m * n).fill(NaN), args);
        const again = run(e, raw[0], raw[1], new Float32Array(m * n).fill(NaN), args);
        expect(Buffer.from(again.buffer).equals(Buffer.from(got.buffer))).toBe(true);
        for (let s = 0; s < 300; s++) {
          const i = Math.floor(next() * m);
          const j = Math.floor(next() * n);
          let want = 0;
          let absSum = 0;
          for (let p = 0; p < k; p++) {
            const prod = (transA ? a[p * m + i]! : a[i * k + p]!) * (transB ? b[j * k + p]! : b[p * n + j]!);
            want += prod;
            absSum += Math.abs(prod);
          }
          // f32 sums of k products are off by a few ulp of sum |a b|; one wrong term is ~1e-3 of it.
          expect(Math.abs(got[i * n + j]! - want) / absSum).toBeLessThan(4e-6);
        }
        // Shape-fixed single-threaded tiles: the thread count never changes the bits, on any library.
        const threads = addon().info().threads;
        try {
          for (const t of [1, 3]) {
            addon().setThreads(t);
            const other = run(e, raw[0], raw[1], new Float32Array(m * n).fill(NaN), args);
            expect(Buffer.from(other.buffer).equals(Buffer.from(got.buffer)), `${t} threads`).toBe(true);
          }
        } finally {
          addon().setThreads(threads);
        }
      });
    }
  });
});
