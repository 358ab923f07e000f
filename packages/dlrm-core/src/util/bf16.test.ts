/**
 * Tests of the shared fp32 -> bf16 conversion: every edge value (NaN, +-Inf, +-0,
 * subnormals, max finite rounding to Inf, ties from even and odd mantissas) bit for bit,
 * the round trip of every bf16, and nearest-even against an independent float64 oracle.
 */
import { describe, expect, it } from "vitest";
import { bf16BitsToF32, f32BitsToBf16Bits, f32ToBf16Bits, roundArrayToBf16, roundToBf16 } from "./bf16.js";
import { BF16_EDGE_CASES, bf16EdgeProblems } from "./bf16-edge-cases.js";

const hex = (n: number): string => `0x${n.toString(16).padStart(4, "0")}`;

/** The fp32 value of bits u. */
function f32Of(u: number): number {
  return new Float32Array(new Uint32Array([u]).buffer)[0]!;
}

/**
 * Independent oracle for finite non-NaN x: the two bf16 neighbours by truncation, pick the
 * nearer in float64, ties to the even mantissa (bf16 max + half an ulp and above -> Inf).
 */
function oracleBits(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  const down = u >>> 16;
  const up = down + 1;
  const lo = bf16BitsToF32(down);
  const hi = (up & 0x7fff) === 0x7f80 ? Math.sign(lo) * 2 ** 128 : bf16BitsToF32(up);
  const dLo = Math.abs(x - lo);
  const dHi = Math.abs(hi - x);
  if (dLo < dHi) return down;
  if (dHi < dLo) return up & 0xffff;
  return (down & 1) === 0 ? down : up & 0xffff;
}

describe("bf16 conversion", () => {
  for (const c of BF16_EDGE_CASES) {
    it(`${c.what}: 0x${c.f32Bits.toString(16)} -> ${hex(c.bf16Bits)}`, () => {
      expect(hex(f32BitsToBf16Bits(c.f32Bits))).toBe(hex(c.bf16Bits));
    });
  }

  it("NaN stays NaN and Inf stays Inf through the number API", () => {
    expect(roundToBf16(NaN)).toBeNaN();
    expect(f32ToBf16Bits(NaN)).toBe(0x7fc0);
    expect(roundToBf16(Infinity)).toBe(Infinity);
    expect(roundToBf16(-Infinity)).toBe(-Infinity);
    expect(Object.is(roundToBf16(-0), -0)).toBe(true);
    expect(roundToBf16(3.4028234663852886e38)).toBe(Infinity);
  });

  it("subnormals round their mantissa like normals", () => {
    const tiny = 2 ** -133; // bf16 subnormal spacing is 2^-133
    expect(roundToBf16(tiny)).toBe(tiny);
    expect(roundToBf16(1.5 * tiny)).toBe(2 * tiny);
    expect(roundToBf16(2.5 * tiny)).toBe(2 * tiny);
    expect(roundToBf16(0.5 * tiny)).toBe(0);
  });

  it("every bf16 value converts back to itself, and widening is exact", () => {
    for (let h = 0; h <= 0xffff; h++) {
      const e = (h >>> 7) & 0xff;
      const isNaN = e === 0xff && (h & 0x7f) !== 0;
      const back = f32BitsToBf16Bits((h << 16) >>> 0);
      expect(back).toBe(isNaN ? h | 0x40 : h);
    }
  });

  it("agrees with a float64 nearest-even oracle on random fp32 bit patterns", () => {
    let s = 12345;
    for (let i = 0; i < 20000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const x = f32Of(s);
      if (Number.isNaN(x) || !Number.isFinite(x)) continue;
      expect(f32BitsToBf16Bits(s)).toBe(oracleBits(x));
    }
  });

  it("the edge checker accepts the exact values and rejects a truncating conversion", () => {
    expect(bf16EdgeProblems(BF16_EDGE_CASES.map((c) => bf16BitsToF32(c.bf16Bits)))).toEqual([]);
    const truncated = BF16_EDGE_CASES.map((c) => bf16BitsToF32(c.f32Bits >>> 16));
    expect(bf16EdgeProblems(truncated).length).toBeGreaterThan(5);
  });

  it("the edge checker lets only subnormal results flush to zero, and only when asked", () => {
    const flushed = BF16_EDGE_CASES.map((c) => ((c.bf16Bits & 0x7f80) === 0 ? 0 : bf16BitsToF32(c.bf16Bits)));
    expect(bf16EdgeProblems(flushed, { flushesSubnormals: true })).toEqual([]);
    expect(bf16EdgeProblems(flushed).length).toBe(3);
    const wrongNormal = BF16_EDGE_CASES.map((c) => (c.bf16Bits === 0x0080 ? 0 : bf16BitsToF32(c.bf16Bits)));
    expect(bf16EdgeProblems(wrongNormal, { flushesSubnormals: true }).length).toBe(2);
  });

  it("roundArrayToBf16 copies bit-exactly and keeps NaN payloads", () => {
    const bits = new Uint32Array(BF16_EDGE_CASES.map((c) => c.f32Bits));
    const out = new Uint32Array(roundArrayToBf16(new Float32Array(bits.buffer)).buffer);
    expect(Array.from(out, (u) => hex(u >>> 16))).toEqual(BF16_EDGE_CASES.map((c) => hex(c.bf16Bits)));
    expect(Array.from(out, (u) => u & 0xffff).every((low) => low === 0)).toBe(true);
  });
});
