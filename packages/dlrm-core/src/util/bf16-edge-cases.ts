/**
 * The fp32 -> bf16 edge values (with their expected bf16 bits) that every backend's kernel
 * conversion is tested on, and a checker for a product that passes them through unchanged
 * (gemm of the edge column by [1], or a dot product with 1): a backend's unit tests use both.
 */
import { bf16BitsToF32 } from "./bf16.js";

/**
 * Edge values every backend's kernel conversion is tested on, with their bf16 bits:
 * zeros, +-Inf, NaN, the smallest subnormal, subnormals that round up and down and carry
 * into the smallest normal, max finite (rounds to Inf), values just below the overflow
 * point, ties to even from an even and from an odd bf16 mantissa, and plain values.
 */
export const BF16_EDGE_CASES: readonly {
  readonly f32Bits: number;
  readonly bf16Bits: number;
  readonly what: string;
}[] = [
  { f32Bits: 0x00000000, bf16Bits: 0x0000, what: "+0" },
  { f32Bits: 0x80000000, bf16Bits: 0x8000, what: "-0" },
  { f32Bits: 0x7f800000, bf16Bits: 0x7f80, what: "+Inf" },
  { f32Bits: 0xff800000, bf16Bits: 0xff80, what: "-Inf" },
  { f32Bits: 0x7fc00000, bf16Bits: 0x7fc0, what: "canonical quiet NaN" },
  {
    f32Bits: 0x7f800001,
    bf16Bits: 0x7fc0,
    what: "signalling NaN with a low payload: quieted, stays NaN (truncation would give Inf)",
  },
  {
    f32Bits: 0xffa12345,
    bf16Bits: 0xffe1,
    what: "negative NaN with a payload: sign and top payload bits kept, quiet bit set",
  },
  { f32Bits: 0x00000001, bf16Bits: 0x0000, what: "smallest subnormal rounds down to +0" },
  { f32Bits: 0x00008000, bf16Bits: 0x0000, what: "subnormal tie, even (0) mantissa: stays down" },
  { f32Bits: 0x00018000, bf16Bits: 0x0002, what: "subnormal tie, odd mantissa: rounds up to even" },
  { f32Bits: 0x00008001, bf16Bits: 0x0001, what: "subnormal just above a tie rounds up" },
  { f32Bits: 0x007fffff, bf16Bits: 0x0080, what: "largest subnormal carries into the smallest normal" },
  { f32Bits: 0x80010000, bf16Bits: 0x8001, what: "negative bf16 subnormal, exact" },
  { f32Bits: 0x00800000, bf16Bits: 0x0080, what: "smallest normal, exact" },
  { f32Bits: 0x7f7fffff, bf16Bits: 0x7f80, what: "fp32 max finite rounds up to +Inf" },
  { f32Bits: 0xff7fffff, bf16Bits: 0xff80, what: "-max finite rounds to -Inf" },
  { f32Bits: 0x7f7f0000, bf16Bits: 0x7f7f, what: "bf16 max finite, exact" },
  { f32Bits: 0x7f7f7fff, bf16Bits: 0x7f7f, what: "just below the tie above bf16 max: stays finite" },
  { f32Bits: 0x7f7f8000, bf16Bits: 0x7f80, what: "tie above bf16 max (odd mantissa): to even, which is Inf" },
  { f32Bits: 0x3f808000, bf16Bits: 0x3f80, what: "1 + 2^-8: tie, even mantissa, rounds down to 1" },
  { f32Bits: 0x3f818000, bf16Bits: 0x3f82, what: "1 + 3 * 2^-8: tie, odd mantissa, rounds up to even" },
  { f32Bits: 0xbf818000, bf16Bits: 0xbf82, what: "negative tie, odd mantissa: magnitude rounds up" },
  { f32Bits: 0x3f807fff, bf16Bits: 0x3f80, what: "just below a tie rounds down" },
  { f32Bits: 0x3f808001, bf16Bits: 0x3f81, what: "just above a tie rounds up" },
  { f32Bits: 0x3fffffff, bf16Bits: 0x4000, what: "mantissa all ones carries into the exponent (2 - ulp -> 2)" },
  { f32Bits: 0x40490fdb, bf16Bits: 0x4049, what: "pi" },
  { f32Bits: 0xbdcccccd, bf16Bits: 0xbdcd, what: "-0.1" },
];

/**
 * Problems (one line each, empty when none) with `got`, the edge values after bf16 rounding
 * and an exact product by 1 in fp32: each must equal its bf16 value bit for bit, except that
 * -0 may come back as +0 (0 + -0 = +0 in the accumulator) and NaN is checked only as NaN
 * (GPU and BLAS arithmetic may change a NaN's payload). With `flushesSubnormals` (a device
 * whose f32 arithmetic flushes subnormal results to zero, as NVIDIA GPUs do) a subnormal bf16
 * value may come back as a zero; the conversion itself is then checked on bit patterns.
 */
export function bf16EdgeProblems(got: ArrayLike<number>, options: { flushesSubnormals?: boolean } = {}): string[] {
  const problems: string[] = [];
  BF16_EDGE_CASES.forEach((e, i) => {
    const want = bf16BitsToF32(e.bf16Bits);
    const v = got[i]!;
    const subnormal = (e.bf16Bits & 0x7f80) === 0 && (e.bf16Bits & 0x7f) !== 0;
    const flushed = options.flushesSubnormals === true && subnormal && v === 0;
    const ok = Number.isNaN(want) ? Number.isNaN(v) : flushed || (v === want && (want !== 0 || v === 0));
    if (!ok) problems.push(`${e.what}: got ${v}, want ${want}`);
  });
  return problems;
}
