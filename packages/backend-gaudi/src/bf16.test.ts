/**
 * bf16 on the native backend: gemm by 1 turns every edge value into the bf16 @dlrm/core
 * gives (the C++ to_bf16 agrees bit for bit; NaN stays NaN, max finite -> Inf); gemm in all
 * transpose cases, linearForward and the dot interaction (forward and backward) match the
 * reference's bf16 results within fp32 summation error, and differ from fp32.
 */
import { expect, it } from "vitest";
import { BF16_EDGE_CASES, ReferenceBackend, bf16EdgeProblems, type Backend, type Tensor } from "@dlrm/core";
import { gaudiBackendFactory } from "./factory.js";
import { describeNative, rng } from "./test-util.js";

function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length], "f32");
  be.write(t, data);
  return t;
}

function seeded(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => next() * 4 - 2);
}

function maxErr(got: Float32Array, want: Float32Array): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1));
  return e;
}

async function gemmOn(
  be: Backend,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  precision: "fp32" | "bf16",
): Promise<Float32Array> {
  const a = put(be, seeded(m * k, 1)),
    b = put(be, seeded(k * n, 2)),
    c = put(be, new Float32Array(m * n).fill(NaN));
  be.gemm({ a, b, c, m, n, k, transA, transB, alpha: 1, beta: 0, precision });
  return (await be.read(c)) as Float32Array;
}

describeNative("gaudi bf16", () => {
  const ref = new ReferenceBackend();

  it("lists bf16 and rounds every edge value as @dlrm/core (gemm by 1, both operand sides)", async () => {
    const be = await gaudiBackendFactory.create();
    expect(be.info.precisions).toContain("bf16");
    const bits = new Uint32Array(BF16_EDGE_CASES.map((e) => e.f32Bits));
    const edge = put(be, new Float32Array(bits.buffer)),
      one = put(be, new Float32Array([1]));
    const c = be.alloc([bits.length], "f32");
    be.gemm({
      a: edge,
      b: one,
      c,
      m: bits.length,
      n: 1,
      k: 1,
      transA: false,
      transB: false,
      alpha: 1,
      beta: 0,
      precision: "bf16",
    });
    expect(bf16EdgeProblems(await be.read(c))).toEqual([]);
    be.gemm({
      a: one,
      b: edge,
      c,
      m: 1,
      n: bits.length,
      k: 1,
      transA: false,
      transB: false,
      alpha: 1,
      beta: 0,
      precision: "bf16",
    });
    expect(bf16EdgeProblems(await be.read(c))).toEqual([]);
    be.dispose();
  });

  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`gemm ${transA ? "t" : "n"}${transB ? "t" : "n"} 37x70x300 matches the reference's bf16`, async () => {
      const be = await gaudiBackendFactory.create();
      const want = await gemmOn(ref, 37, 70, 300, transA, transB, "bf16");
      expect(maxErr(await gemmOn(be, 37, 70, 300, transA, transB, "bf16"), want)).toBeLessThan(1e-5);
      expect(maxErr(await gemmOn(be, 37, 70, 300, transA, transB, "fp32"), want)).toBeGreaterThan(1e-4);
      be.dispose();
    });
  }

  it("linearForward and the dot interaction (itself, odd D) match the reference's bf16, eager and lazy alike", async () => {
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
    const eager = await gaudiBackendFactory.create({ mode: "eager" });
    const lazy = await gaudiBackendFactory.create({ mode: "lazy" });
    const got = await run(eager);
    const gotLazy = await run(lazy);
    want.forEach((w, i) => expect(maxErr(got[i]!, w), `output ${i}`).toBeLessThan(1e-5));
    got.forEach((g, i) => expect(new Uint32Array(gotLazy[i]!.buffer)).toEqual(new Uint32Array(g.buffer)));
    eager.dispose();
    lazy.dispose();
  });
});
