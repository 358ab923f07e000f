/**
 * GEMM on the GPU against a float64 product on the host: every variant, all four transpose
 * cases, odd sizes (no tile or vec4 alignment) and aligned ones (vec4 loads), beta = 0 with
 * NaN in C and beta != 0 accumulating, and the fused linear epilogue.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebGpuBackend } from "./backend.js";
import { GEMM_VARIANTS } from "./kernels/gemm.js";
import { describeGpu } from "./testing/describe-gpu.js";

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** C = alpha op(A) op(B) + beta C in float64. */
function hostGemm(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
  alpha: number,
  beta: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * n + j]!);
    }
  }
  return out;
}

/** Largest |got - want| / max(|want|, 1). */
function maxError(got: Float32Array, want: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

const SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [67, 33, 129],
  [130, 71, 17],
  [64, 128, 96],
];

await describeGpu("webgpu gemm vs float64", () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await WebGpuBackend.create("eager");
  });
  afterAll(() => gpu?.dispose());

  for (const variant of GEMM_VARIANTS) {
    for (const [m, n, k] of SHAPES) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          for (const [alpha, beta] of [
            [1, 0],
            [-0.5, 1.25],
          ] as const) {
            it(`${variant} ${ta ? "t" : "n"}${tb ? "t" : "n"} ${m}x${n}x${k} alpha ${alpha} beta ${beta}`, async () => {
              const av = values(m * k, m + 7 * k);
              const bv = values(k * n, n + 13 * k);
              const cv = beta === 0 ? new Float32Array(m * n).fill(NaN) : values(m * n, 99);
              const a = gpu.alloc(ta ? [k, m] : [m, k], "f32");
              const b = gpu.alloc(tb ? [n, k] : [k, n], "f32");
              const c = gpu.alloc([m, n], "f32");
              gpu.write(a, av);
              gpu.write(b, bv);
              gpu.write(c, cv);
              gpu.gemmVariant({ a, b, c, m, n, k, transA: ta, transB: tb, alpha, beta }, variant);
              const got = (await gpu.read(c)) as Float32Array;
              expect(maxError(got, hostGemm(av, bv, cv, m, n, k, ta, tb, alpha, beta))).toBeLessThan(1e-5);
              for (const t of [a, b, c]) gpu.free(t);
            });
          }
        }
      }
    }
  }

  it("linearForward = relu(x W^T + bias) in one dispatch", async () => {
    const [B, K, N] = [33, 20, 45];
    const xv = values(B * K, 1);
    const wv = values(N * K, 2);
    const bv = values(N, 3);
    const x = gpu.alloc([B, K], "f32");
    const w = gpu.alloc([N, K], "f32");
    const bias = gpu.alloc([N], "f32");
    const y = gpu.alloc([B, N], "f32");
    gpu.write(x, xv);
    gpu.write(w, wv);
    gpu.write(bias, bv);
    const before = gpu.stats.dispatches;
    gpu.linearForward({ x, weight: w, bias, y, batchSize: B, inFeatures: K, outFeatures: N, activation: "relu" });
    expect(gpu.stats.dispatches - before).toBe(1);
    const want = hostGemm(xv, wv, new Float32Array(B * N), B, N, K, false, true, 1, 0).map((v, i) =>
      Math.max(v + bv[i % N]!, 0),
    );
    expect(maxError((await gpu.read(y)) as Float32Array, want)).toBeLessThan(1e-5);
    for (const t of [x, w, bias, y]) gpu.free(t);
  });
});
