/**
 * IEEE 754 binary16 (fp16) conversion on the host, for the scale and bias of 4-bit
 * row-wise tables (FBGEMM's fused n-bit format stores both as fp16): float to the nearest
 * fp16 (ties to even, overflow to infinity, subnormals kept) and back, exactly.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The fp16 bit pattern nearest to float32(x), ties to even (as cpu_float2half_rn). */
export function toFp16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 2 ** (shift - 1);
    const rem = mant % (2 * half);
    let h = Math.floor(mant / (2 * half));
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly moves to the next exponent (or to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The value of fp16 bit pattern `h` (exact in a double). */
export function fromFp16Bits(h: number): number {
  const sign = (h & 0x8000) !== 0 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float32(x) rounded to the nearest fp16 value. */
export function roundToFp16(x: number): number {
  return fromFp16Bits(toFp16Bits(x));
}
