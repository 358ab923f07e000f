/**
 * The one fp32 -> bfloat16 conversion every backend must reproduce bit for bit: round to
 * nearest, ties to even, on the bit pattern (bf16 is the top 16 bits of an fp32, same
 * exponent range, so subnormals round their mantissa like any other value). NaN stays NaN
 * (quiet bit set, sign and top payload bits kept); +-Inf stay; overflow past max finite
 * rounds to Inf. Kernels (C++, AssemblyScript, WGSL) implement the same formula on u32s.
 */

/** Bits of the quiet-NaN flag in a bf16 (bit 6 of the mantissa). */
const BF16_QUIET = 0x0040;

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * bf16 bits (0 .. 0xffff) of the fp32 whose bits are `u` (0 .. 0xffffffff):
 * NaN (exponent all ones, mantissa != 0): (u >> 16) | 0x0040;
 * otherwise (u + 0x7fff + ((u >> 16) & 1)) >> 16 (nearest, ties to even; carries into the exponent).
 */
export function f32BitsToBf16Bits(u: number): number {
  const bits = u >>> 0;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return ((bits >>> 16) | BF16_QUIET) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bf16 bits of x, after x is first rounded to fp32 (Math.fround). */
export function f32ToBf16Bits(x: number): number {
  scratchF32[0] = x;
  return f32BitsToBf16Bits(scratchU32[0]!);
}

/** The fp32 value of bf16 bits h (exact: h << 16 as an fp32 bit pattern). */
export function bf16BitsToF32(h: number): number {
  scratchU32[0] = ((h & 0xffff) << 16) >>> 0;
  return scratchF32[0]!;
}

/** x (rounded to fp32) rounded to the nearest bf16, as an fp32 value. */
export function roundToBf16(x: number): number {
  return bf16BitsToF32(f32ToBf16Bits(x));
}

/**
 * A copy of src[0 .. n) with every element rounded to bf16, bit-exact (NaN payloads kept
 * as `f32BitsToBf16Bits` says, which a round trip through a JS number would not do).
 */
export function roundArrayToBf16(src: Float32Array, n = src.length): Float32Array {
  const out = new Float32Array(n);
  const inBits = new Uint32Array(src.buffer, src.byteOffset, n);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) outBits[i] = (f32BitsToBf16Bits(inBits[i]!) << 16) >>> 0;
  return out;
}
