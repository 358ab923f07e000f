/**
 * numpy's legacy `RandomState` stream, as far as MLPerf DLRMv2's synthetic multi-hot needs
 * it: MT19937 seeded with an integer (`init_genrand`, what `np.random.seed(n)` does for a
 * scalar n), `randint(low, high)` for int64 (masked rejection sampling on 32-bit draws
 * when the range fits in 32 bits), `random_sample()` (53 bits from two draws) and
 * `pareto(a)` (legacy: exp(E / a) - 1 with E = -log(1 - U)), so TypeScript draws the very
 * ids numpy draws.
 */

const N = 624;
const M = 397;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  /** `np.random.RandomState(seed)` for an integer seed in [0, 2^32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new RangeError(`a numpy seed must be an integer in [0, 2^32), got ${seed}`);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % N]! & 0x7fffffff);
      mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next tempered 32-bit output. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `randint(low, high)` (int64, one value): uniform in [low, high), high - low <= 2^32. */
  randint(low: number, high: number): number {
    const range = high - low - 1;
    if (!(range >= 0) || range > 0xffffffff)
      throw new RangeError(`randint: need 0 < high - low <= 2^32, got [${low}, ${high})`);
    if (range === 0) return low;
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= range) return low + v;
    }
  }

  /** `random_sample()`: (a >> 5, b >> 6) of two draws as a double in [0, 1). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `pareto(a)` of the legacy stream: exp(-log(1 - U) / a) - 1 (Lomax, shape a). */
  pareto(a: number): number {
    return Math.exp(-Math.log(1 - this.randomSample()) / a) - 1;
  }
}
