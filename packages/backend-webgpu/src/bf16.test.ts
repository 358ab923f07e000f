/**
 * bf16 on the WebGPU backend: the WGSL conversion equals @dlrm/core's bit for bit on the
 * edge values and random patterns (u32 in and out); every GEMM variant passes the edge values
 * through (gemm by 1, both operand sides; subnormal results may flush on devices whose f32
 * arithmetic flushes, as NVIDIA's does); gemm, linearForward and the dot interaction match
 * the reference's bf16 results within fp32 summation error, eager == lazy.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  BF16_EDGE_CASES,
  ReferenceBackend,
  bf16EdgeProblems,
  f32BitsToBf16Bits,
  type Backend,
  type Tensor,
} from "@dlrm/core";
import { WebGpuBackend } from "./backend.js";
import { GEMM_VARIANTS } from "./kernels/gemm.js";
import { describeGpu } from "./testing/describe-gpu.js";

function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length], "f32");
  be.write(t, data);
  return t;
}

/** Seeded values in [-2, 2) with full fp32 mantissas. */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

function maxErr(got: Float32Array, want: Float32Array): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
  }
  return e;
}

await describeGpu("webgpu bf16", () => {
  let gpu: WebGpuBackend;
  let lazy: WebGpuBackend;
  const ref = new ReferenceBackend();
  beforeAll(async () => {
    gpu = await WebGpuBackend.create("eager");
    lazy = await WebGpuBackend.create("lazy");
  });
  afterAll(() => {
    gpu?.dispose();
    lazy?.dispose();
  });

  it("lists bf16 among its precisions", () => {
    expect(gpu.info.precisions).toContain("bf16");
  });

  /** The WGSL conversion of each u32 pattern, through the bit-pattern test kernel. */
  async function converted(bits: Uint32Array): Promise<Uint32Array> {
    const src = put(gpu, new Float32Array(bits.buffer.slice(0))),
      dst = gpu.alloc([bits.length], "f32");
    gpu.roundToBf16({ src, dst, size: bits.length });
    const out = new Uint32Array(((await gpu.read(dst)) as Float32Array).slice().buffer);
    gpu.free(src);
    gpu.free(dst);
    return out;
  }

  it("the WGSL conversion gives @dlrm/core's bits on every edge value, NaN payloads included", async () => {
    const got = await converted(new Uint32Array(BF16_EDGE_CASES.map((e) => e.f32Bits)));
    expect(Array.from(got, (u) => u.toString(16))).toEqual(
      BF16_EDGE_CASES.map((e) => ((e.bf16Bits << 16) >>> 0).toString(16)),
    );
  });

  it("the WGSL conversion agrees with @dlrm/core on 100k random bit patterns", async () => {
    const bits = new Uint32Array(100_000);
    let s = 77;
    for (let i = 0; i < bits.length; i++) bits[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const got = await converted(bits);
    let bad = 0;
    for (let i = 0; i < bits.length; i++) if (got[i] !== (f32BitsToBf16Bits(bits[i]!) << 16) >>> 0) bad++;
    expect(bad).toBe(0);
  });

  /** Whether this device's f32 arithmetic flushes a subnormal product to zero (fp32 gemm of 2^-140 by 1). */
  async function flushesSubnormals(): Promise<boolean> {
    const a = put(gpu, new Float32Array([2 ** -140])),
      b = put(gpu, new Float32Array([1])),
      c = gpu.alloc([1], "f32");
    gpu.gemm({ a, b, c, m: 1, n: 1, k: 1, transA: false, transB: false, alpha: 1, beta: 0 });
    const v = (await gpu.read(c))[0];
    for (const t of [a, b, c]) gpu.free(t);
    return v === 0;
  }

  for (const variant of GEMM_VARIANTS) {
    it(`${variant}: edge values pass through a bf16 gemm by 1 (A and B sides)`, async () => {
      const options = { flushesSubnormals: await flushesSubnormals() };
      const n = BF16_EDGE_CASES.length;
      const edge = put(gpu, new Float32Array(new Uint32Array(BF16_EDGE_CASES.map((e) => e.f32Bits)).buffer));
      const one = put(gpu, new Float32Array([1]));
      const c = gpu.alloc([n], "f32");
      gpu.gemmVariant(
        { a: edge, b: one, c, m: n, n: 1, k: 1, transA: false, transB: false, alpha: 1, beta: 0, precision: "bf16" },
        variant,
      );
      expect(bf16EdgeProblems(await gpu.read(c), options)).toEqual([]);
      gpu.gemmVariant(
        { a: one, b: edge, c, m: 1, n, k: 1, transA: false, transB: true, alpha: 1, beta: 0, precision: "bf16" },
        variant,
      );
      expect(bf16EdgeProblems(await gpu.read(c), options)).toEqual([]);
      for (const t of [edge, one, c]) gpu.free(t);
    });

    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`${variant} ${transA ? "t" : "n"}${transB ? "t" : "n"} 36x68x200 matches the reference's bf16`, async () => {
        const [m, n, k] = [36, 68, 200];
        const run = async (be: Backend, precision: "fp32" | "bf16", pick?: typeof variant): Promise<Float32Array> => {
          const a = put(be, seeded(m * k, 5)),
            b = put(be, seeded(k * n, 6)),
            c = put(be, new Float32Array(m * n).fill(NaN));
          const args = { a, b, c, m, n, k, transA, transB, alpha: 1, beta: 0, precision };
          if (pick !== undefined && be instanceof WebGpuBackend) be.gemmVariant(args, pick);
          else be.gemm(args);
          const out = (await be.read(c)) as Float32Array;
          for (const t of [a, b, c]) be.free(t);
          return out;
        };
        const want = await run(ref, "bf16");
        expect(maxErr(await run(gpu, "bf16", variant), want)).toBeLessThan(1e-5);
        expect(maxErr(await run(gpu, "fp32", variant), want)).toBeGreaterThan(1e-4);
      });
    }
  }

  it("linearForward and the dot interaction (itself, odd D) match the reference's bf16; lazy == eager bits", async () => {
    const B = 3,
      D = 7,
      T = 4,
      F = T + 1,
      width = D + (F * (F + 1)) / 2,
      K = 33,
      N = 17;
    const run = async (be: Backend): Promise<Float32Array[]> => {
      const x = put(be, seeded(B * D, 11)),
        pooled = put(be, seeded(B * T * D, 12)),
        dOut = put(be, seeded(B * width, 13));
      const out = be.alloc([B * width], "f32"),
        dX = be.alloc([B * D], "f32"),
        dPooled = be.alloc([B * T * D], "f32");
      const common = {
        x,
        pooled,
        batchSize: B,
        dim: D,
        numTables: T,
        op: "dot",
        itself: true,
        precision: "bf16",
      } as const;
      be.interactionForward({ ...common, out });
      be.interactionBackward({ ...common, dOut, dX, dPooled });
      const lx = put(be, seeded(B * K, 3)),
        w = put(be, seeded(N * K, 4)),
        bias = put(be, seeded(N, 5)),
        y = be.alloc([B * N], "f32");
      be.linearForward!({
        x: lx,
        weight: w,
        bias,
        y,
        batchSize: B,
        inFeatures: K,
        outFeatures: N,
        activation: "relu",
        precision: "bf16",
      });
      be.markStep();
      return Promise.all([out, dX, dPooled, y].map(async (t) => (await be.read(t)) as Float32Array));
    };
    const want = await run(ref);
    const got = await run(gpu);
    const gotLazy = await run(lazy);
    want.forEach((w, i) => expect(maxErr(got[i]!, w), `output ${i}`).toBeLessThan(1e-5));
    got.forEach((g, i) => expect(new Uint32Array(gotLazy[i]!.buffer)).toEqual(new Uint32Array(g.buffer)));
  });
});
