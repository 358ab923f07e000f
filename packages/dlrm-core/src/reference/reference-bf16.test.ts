/**
 * bf16 mixed precision on the reference backend: gemm and linearForward round A and B (x and
 * W) to bf16 with util/bf16.ts and accumulate exactly; the dot interaction rounds Z and the
 * pair gradients (not the x pass-through); cat is unchanged; edge values go through gemm.
 */
import { describe, expect, it } from "vitest";
import type { Backend, Tensor } from "../backend.js";
import { roundToBf16 } from "../util/bf16.js";
import { BF16_EDGE_CASES, bf16EdgeProblems } from "../util/bf16-edge-cases.js";
import { ReferenceBackend } from "./index.js";

const f32 = (be: Backend, values: ArrayLike<number>): Tensor => {
  const t = be.alloc([values.length], "f32");
  be.write(t, Float32Array.from(values));
  return t;
};
const read = async (be: Backend, t: Tensor): Promise<number[]> => Array.from(await be.read(t));

/** 1 + 2^-8 is a tie that rounds to 1; 1 + 3*2^-8 rounds up to 1 + 2^-6. */
const TIE_DOWN = 1 + 2 ** -8;
const TIE_UP = 1 + 3 * 2 ** -8;

describe("reference bf16", () => {
  it("lists bf16 among its precisions", () => {
    expect(new ReferenceBackend().info.precisions).toContain("bf16");
  });

  it("gemm rounds both operands to bf16, every transpose case, and keeps fp32 when asked", async () => {
    const be = new ReferenceBackend();
    const a = f32(be, [TIE_DOWN, TIE_UP]);
    const b = f32(be, [TIE_UP, 3]);
    const c = f32(be, [NaN]);
    for (const [transA, transB] of [
      [false, false],
      [true, true],
      [false, true],
      [true, false],
    ] as const) {
      be.gemm({ a, b, c, m: 1, n: 1, k: 2, transA, transB, alpha: 1, beta: 0, precision: "bf16" });
      expect(await read(be, c)).toEqual([1 * (1 + 2 ** -6) + (1 + 2 ** -6) * 3]);
    }
    be.gemm({ a, b, c, m: 1, n: 1, k: 2, transA: false, transB: false, alpha: 1, beta: 0, precision: "fp32" });
    expect(await read(be, c)).toEqual([Math.fround(TIE_DOWN * TIE_UP + TIE_UP * 3)]);
  });

  it("alpha, beta and C stay fp32", async () => {
    const be = new ReferenceBackend();
    const a = f32(be, [TIE_UP]);
    const b = f32(be, [1]);
    const c = f32(be, [TIE_DOWN]);
    be.gemm({
      a,
      b,
      c,
      m: 1,
      n: 1,
      k: 1,
      transA: false,
      transB: false,
      alpha: TIE_DOWN,
      beta: TIE_DOWN,
      precision: "bf16",
    });
    expect(await read(be, c)).toEqual([Math.fround(TIE_DOWN * (1 + 2 ** -6) + TIE_DOWN * TIE_DOWN)]);
  });

  it("gemm times 1 gives every edge value's bf16 (NaN stays NaN, max finite -> Inf)", async () => {
    const be = new ReferenceBackend();
    const bits = new Uint32Array(BF16_EDGE_CASES.map((e) => e.f32Bits));
    const a = f32(be, new Float32Array(bits.buffer));
    const one = f32(be, [1]);
    const c = be.alloc([bits.length], "f32");
    be.gemm({
      a,
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
  });

  it("linearForward rounds x and W, not the bias", async () => {
    const be = new ReferenceBackend();
    const x = f32(be, [TIE_UP, TIE_DOWN]);
    const w = f32(be, [TIE_UP, 1]);
    const bias = f32(be, [TIE_DOWN]);
    const y = f32(be, [NaN]);
    be.linearForward({
      x,
      weight: w,
      bias,
      y,
      batchSize: 1,
      inFeatures: 2,
      outFeatures: 1,
      activation: "relu",
      precision: "bf16",
    });
    expect(await read(be, y)).toEqual([Math.fround((1 + 2 ** -6) ** 2 + 1) + Math.fround(TIE_DOWN)]);
  });

  it("dot interaction rounds Z in the products and copies x unrounded; cat is unchanged", async () => {
    const be = new ReferenceBackend();
    const x = f32(be, [TIE_UP, TIE_DOWN]);
    const pooled = f32(be, [TIE_UP, 2]);
    const out = f32(be, [NaN, NaN, NaN]);
    be.interactionForward({
      x,
      pooled,
      out,
      batchSize: 1,
      dim: 2,
      numTables: 1,
      op: "dot",
      itself: false,
      precision: "bf16",
    });
    expect(await read(be, out)).toEqual([Math.fround(TIE_UP), Math.fround(TIE_DOWN), (1 + 2 ** -6) ** 2 + 2]);
    const cat = f32(be, [NaN, NaN, NaN, NaN]);
    be.interactionForward({
      x,
      pooled,
      out: cat,
      batchSize: 1,
      dim: 2,
      numTables: 1,
      op: "cat",
      itself: false,
      precision: "bf16",
    });
    expect(await read(be, cat)).toEqual([TIE_UP, TIE_DOWN, TIE_UP, 2].map(Math.fround));
  });

  it("dot interaction backward rounds the pair gradient and Z, adds dOut's x part unrounded", async () => {
    const be = new ReferenceBackend();
    const x = f32(be, [TIE_UP, 1]);
    const pooled = f32(be, [2, TIE_UP]);
    const dOut = f32(be, [TIE_DOWN, 0, TIE_UP]);
    const dX = f32(be, [NaN, NaN]);
    const dPooled = f32(be, [NaN, NaN]);
    be.interactionBackward({
      x,
      pooled,
      dOut,
      dX,
      dPooled,
      batchSize: 1,
      dim: 2,
      numTables: 1,
      op: "dot",
      itself: false,
      precision: "bf16",
    });
    const g = roundToBf16(TIE_UP);
    expect(await read(be, dX)).toEqual([Math.fround(TIE_DOWN + g * 2), Math.fround(g * g)]);
    expect(await read(be, dPooled)).toEqual([Math.fround(g * g), Math.fround(g * 1)]);
  });
});
