/**
 * bf16 on the wasm backend: the kernels' scalar conversion equals @dlrm/core's bit for bit
 * on every edge value and on random bit patterns; gemm (every transpose, 1 and 2 threads,
 * edge tiles), linearForward and the dot interaction equal the reference's bf16 results
 * within fp32 summation error, and differ from fp32 where rounding matters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BF16_EDGE_CASES,
  ReferenceBackend,
  bf16EdgeProblems,
  f32BitsToBf16Bits,
  type Backend,
  type Tensor,
} from "@dlrm/core";
import { WasmBackend } from "./backend.js";

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

/** Seeded values in [-2, 2) with full fp32 mantissas (so bf16 rounding changes them). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length], "f32");
  be.write(t, data);
  return t;
}

/** max |got - want| / max(|want|, 1). */
function maxErr(got: Float32Array, want: Float32Array): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1));
  return e;
}

type GemmShape = { m: number; n: number; k: number; transA: boolean; transB: boolean; precision: "bf16" | "fp32" };

async function gemmOn(be: Backend, s: GemmShape, seed: number): Promise<Float32Array> {
  const a = put(be, seeded(s.m * s.k, seed)),
    b = put(be, seeded(s.k * s.n, seed + 1)),
    c = put(be, new Float32Array(s.m * s.n).fill(NaN));
  be.gemm({ a, b, c, ...s, alpha: 1, beta: 0 });
  const out = (await be.read(c)) as Float32Array;
  for (const t of [a, b, c]) be.free(t);
  return out;
}

describe("wasm bf16 conversion", () => {
  it("rounds every edge value to the bits @dlrm/core gives (NaN payloads included)", async () => {
    const bits = new Uint32Array(BF16_EDGE_CASES.map((e) => e.f32Bits));
    const src = put(one, new Float32Array(bits.buffer)),
      dst = one.alloc([bits.length], "f32");
    one.roundToBf16({ src, dst, size: bits.length });
    const got = new Uint32Array(((await one.read(dst)) as Float32Array).slice().buffer);
    expect(Array.from(got, (u) => u.toString(16))).toEqual(
      BF16_EDGE_CASES.map((e) => ((e.bf16Bits << 16) >>> 0).toString(16)),
    );
  });

  it("agrees with @dlrm/core on 100k random bit patterns", async () => {
    const n = 100_000;
    const bits = new Uint32Array(n);
    let s = 99;
    for (let i = 0; i < n; i++) bits[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const src = put(one, new Float32Array(bits.buffer)),
      dst = one.alloc([n], "f32");
    one.roundToBf16({ src, dst, size: n });
    const got = new Uint32Array(((await one.read(dst)) as Float32Array).slice().buffer);
    let bad = 0;
    for (let i = 0; i < n; i++) if (got[i]! >>> 16 !== f32BitsToBf16Bits(bits[i]!) || (got[i]! & 0xffff) !== 0) bad++;
    expect(bad).toBe(0);
  });

  it("the SIMD packing path rounds edge values as the scalar one (gemm by 1, through packed panels)", async () => {
    const bits = new Uint32Array(BF16_EDGE_CASES.map((e) => e.f32Bits));
    const m = bits.length;
    const a = put(one, new Float32Array(bits.buffer)),
      b = put(one, new Float32Array([1])),
      c = one.alloc([m], "f32");
    one.gemm({ a, b, c, m, n: 1, k: 1, transA: true, transB: false, alpha: 1, beta: 0, precision: "bf16" });
    expect(bf16EdgeProblems(await one.read(c))).toEqual([]);
  });
});

describe("wasm bf16 products vs the reference", () => {
  const ref = new ReferenceBackend();
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`gemm ${transA ? "t" : "n"}${transB ? "t" : "n"} 37x70x300 on 1 and 2 threads`, async () => {
      const s: GemmShape = { m: 37, n: 70, k: 300, transA, transB, precision: "bf16" };
      const want = await gemmOn(ref, s, 7);
      const got1 = await gemmOn(one, s, 7);
      const got2 = await gemmOn(two, { ...s, m: 200, n: 300 }, 7);
      expect(maxErr(got1, want)).toBeLessThan(1e-5);
      expect(maxErr(got2, await gemmOn(ref, { ...s, m: 200, n: 300 }, 7))).toBeLessThan(1e-5);
      expect(maxErr(await gemmOn(one, { ...s, precision: "fp32" }, 7), want)).toBeGreaterThan(1e-4);
    });
  }

  it("linearForward bf16 equals gemm bf16 + bias + ReLU bit for bit", async () => {
    const B = 9,
      K = 33,
      N = 17;
    const x = put(one, seeded(B * K, 3)),
      w = put(one, seeded(N * K, 4)),
      bias = put(one, seeded(N, 5));
    const y = one.alloc([B * N], "f32"),
      c = one.alloc([B * N], "f32");
    one.linearForward({
      x,
      weight: w,
      bias,
      y,
      batchSize: B,
      inFeatures: K,
      outFeatures: N,
      activation: "relu",
      precision: "bf16",
    });
    one.gemm({ a: x, b: w, c, m: B, n: N, k: K, transA: false, transB: true, alpha: 1, beta: 0, precision: "bf16" });
    one.biasAddForward({ y: c, bias, rows: B, cols: N });
    one.reluForward({ x: c, y: c, size: B * N });
    expect(new Uint32Array(((await one.read(y)) as Float32Array).buffer)).toEqual(
      new Uint32Array(((await one.read(c)) as Float32Array).buffer),
    );
  });

  it("dot interaction forward and backward (with self-interaction, odd D) match the reference's bf16", async () => {
    const B = 3,
      D = 7,
      T = 4,
      F = T + 1,
      width = D + (F * (F + 1)) / 2;
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
      return [
        (await be.read(out)) as Float32Array,
        (await be.read(dX)) as Float32Array,
        (await be.read(dPooled)) as Float32Array,
      ];
    };
    const want = await run(ref);
    const got = await run(one);
    want.forEach((w, i) => expect(maxErr(got[i]!, w)).toBeLessThan(1e-5));
  });
});
