/**
 * The seeded random-number generator used for parameter initialisation and random data:
 * xoroshiro128+ from pure-rand, doubles from 53 random bits, normals by Box-Muller.
 * It does not reproduce numpy's bit stream (DLRM-SEMANTICS allows that), but it is the
 * same on every backend and every machine because all draws happen on the host.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from "pure-rand";

/** Mixes two 32-bit values into one seed (splitmix32 finaliser). */
export function mixSeed(a: number, b: number): number {
  let z = (Math.imul(a | 0, 0x9e3779b1) ^ Math.imul((b | 0) + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

export class Rng {
  private readonly gen: RandomGenerator;
  private spareNormal: number | undefined;

  /** `seed` is any integer; `stream` selects an independent sequence for the same seed. */
  constructor(seed: number, stream = 0) {
    this.gen = xoroshiro128plus(mixSeed(seed, stream) | 0);
  }

  /** Uniform double in [0, 1) from 53 random bits. */
  uniform(): number {
    const hi = this.gen.unsafeNext() >>> 5;
    const lo = this.gen.unsafeNext() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return unsafeUniformIntDistribution(0, n - 1, this.gen);
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
