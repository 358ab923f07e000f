/**
 * Order-preserving 32-bit keys for float32 scores: the key of a score is its float32 bit
 * pattern with the sign bit flipped (non-negative) or all bits flipped (negative), so
 * unsigned key order is numeric order and equal float32 values (ties) share one key.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * key(s) for a finite score s, rounded to float32 first; -0 and +0 share a key.
 * Throws a RangeError naming the score when it is NaN.
 */
export function scoreKey(score: number): number {
  if (Number.isNaN(score)) throw new RangeError(`score is NaN; AUC needs every score to be a number`);
  f32[0] = score === 0 ? 0 : score;
  const bits = u32[0]!;
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/** The float32 score a key stands for (the inverse of scoreKey). */
export function keyScore(key: number): number {
  u32[0] = key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0;
  return f32[0]!;
}
