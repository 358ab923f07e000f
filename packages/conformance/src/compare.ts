/**
 * Output comparison for the conformance runner: the relative-error metric against the
 * reference (NaN must match NaN, infinities must match exactly) and the bit-for-bit check
 * used for determinism and eager/lazy identity.
 */
import type { Tolerance } from "./tolerances.js";

/** Outputs of one case run, by name. */
export type Outputs = ReadonlyMap<string, Float32Array | Int32Array>;

/** Worst element of one comparison. */
export interface Mismatch {
  readonly index: number;
  readonly got: number;
  readonly want: number;
  /** |got - want| / max(|want|, floor); Infinity for a NaN/Inf mismatch. */
  readonly error: number;
}

/** Largest error of `got` against `want`, or undefined when every element is within tolerance. */
export function worstMismatch(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Pick<Tolerance, "maxRelError" | "floor">,
): Mismatch | undefined {
  if (got.length !== want.length) return { index: -1, got: got.length, want: want.length, error: Infinity };
  let worst: Mismatch | undefined;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const error = elementError(g, w, tol.floor);
    if (error > tol.maxRelError && (worst === undefined || error > worst.error))
      worst = { index: i, got: g, want: w, error };
  }
  return worst;
}

/** Relative error of one element pair (as `worstMismatch`): Infinity for a NaN/Inf mismatch. */
function elementError(g: number, w: number, floor: number): number {
  if (Number.isNaN(w) || Number.isNaN(g)) return Number.isNaN(w) && Number.isNaN(g) ? 0 : Infinity;
  if (!Number.isFinite(w) || !Number.isFinite(g)) return g === w ? 0 : Infinity;
  return Math.abs(g - w) / Math.max(Math.abs(w), floor);
}

/**
 * Largest relative error over every element of every output (the report's figure, whether
 * or not it is within tolerance); Infinity for a missing output or a length mismatch.
 */
export function maxRelativeError(got: Outputs, want: Outputs, floor: number): number {
  let worst = 0;
  for (const [name, w] of want) {
    const g = got.get(name);
    if (g === undefined || g.length !== w.length) return Infinity;
    for (let i = 0; i < w.length; i++) {
      const e = elementError(g[i]!, w[i]!, floor);
      if (e > worst) worst = e;
    }
  }
  return worst;
}

/** Problems (one line per output) where `got` is not within tolerance of `want`. */
export function compareOutputs(got: Outputs, want: Outputs, tol: Tolerance): string[] {
  const problems: string[] = [];
  for (const [name, w] of want) {
    const g = got.get(name);
    if (g === undefined) {
      problems.push(`${name}: missing`);
      continue;
    }
    const m = worstMismatch(g, w, tol);
    if (m !== undefined) {
      problems.push(
        m.index < 0
          ? `${name}: ${m.got} elements, want ${m.want}`
          : `${name}[${m.index}]: got ${m.got}, want ${m.want}, error ${m.error.toExponential(2)} > ${tol.maxRelError} (floor ${tol.floor})`,
      );
    }
  }
  return problems;
}

/** Problems (one line per output) where `a` and `b` differ in any bit. */
export function compareBits(a: Outputs, b: Outputs, what: string): string[] {
  const problems: string[] = [];
  for (const [name, x] of a) {
    const y = b.get(name);
    if (y === undefined || y.length !== x.length) {
      problems.push(`${name}: ${what}: shapes differ`);
      continue;
    }
    const ux = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const uy = new Uint32Array(y.buffer, y.byteOffset, y.length);
    const i = ux.findIndex((v, k) => v !== uy[k]);
    if (i >= 0)
      problems.push(`${name}[${i}]: ${what}: ${x[i]} (0x${ux[i]!.toString(16)}) vs ${y[i]} (0x${uy[i]!.toString(16)})`);
  }
  return problems;
}
