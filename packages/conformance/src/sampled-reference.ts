/**
 * A row-sampled float64 reference for gemm cases too large for the full reference (the
 * Medium shapes, K = 4096: the reference takes most of a minute per product on a CPU).
 * The sampled rows of op(A) are copied into a small product that the reference backend
 * computes; its sums run over the same values in the same order as the full product's, so
 * each sampled row is bit for bit the full reference's row (a test checks this).
 */
import { ReferenceBackend, type Backend } from "@dlrm/core";
import { CaseEnv, type OpCase } from "./case.js";

/** The gemm call a case makes, as captured from its setup. */
type GemmArgs = Parameters<Backend["gemm"]>[0];

/** A reference backend whose gemm only records its arguments (to capture a case's inputs). */
class CapturingReference extends ReferenceBackend {
  captured: GemmArgs | undefined;
  override gemm(args: GemmArgs): void {
    this.captured = args;
  }
}

/** The reference's rows of one gemm case: `rows` (indices into the M rows of C) and their values, rows.length x N, row-major. */
export interface SampledRows {
  readonly rows: readonly number[];
  readonly n: number;
  readonly values: Float32Array;
}

/**
 * `count` row indices of an M-row output, spread evenly from the first row to the last
 * (both always included), in increasing order; every row when count >= m.
 */
export function sampleRows(m: number, count: number): number[] {
  if (count >= m) return Array.from({ length: m }, (_, i) => i);
  if (count < 2) throw new RangeError(`sampleRows: count must be at least 2, got ${count}`);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (m - 1)) / (count - 1))))];
}

/** Runs gemm case `c`'s setup on a capturing reference and computes the float64 reference for `rows` of C. */
export async function sampledGemmReference(c: OpCase, rows: readonly number[]): Promise<SampledRows> {
  if (!c.ops.includes("gemm") || c.ops.length !== 1)
    throw new TypeError(`sampledGemmReference: ${c.name} is not a gemm case`);
  const capture = new CapturingReference();
  const env = new CaseEnv(capture, c.seed);
  const reference = new ReferenceBackend();
  try {
    c.setup(env)();
    const g = capture.captured;
    if (g === undefined) throw new Error(`sampledGemmReference: ${c.name} made no gemm call`);
    const a = (await capture.read(g.a)) as Float32Array;
    const b = (await capture.read(g.b)) as Float32Array;
    const cIn = g.beta === 0 ? undefined : ((await capture.read(g.c)) as Float32Array);
    const s = rows.length;
    const subA = new Float32Array(s * g.k);
    const subC = new Float32Array(s * g.n);
    rows.forEach((i, r) => {
      if (!Number.isInteger(i) || i < 0 || i >= g.m)
        throw new RangeError(`sampledGemmReference: row ${i} is outside 0..${g.m - 1}`);
      for (let p = 0; p < g.k; p++) subA[r * g.k + p] = g.transA ? a[p * g.m + i]! : a[i * g.k + p]!;
      if (cIn !== undefined) subC.set(cIn.subarray(i * g.n, (i + 1) * g.n), r * g.n);
    });
    const ta = reference.alloc([s, g.k], "f32", "a rows");
    const tb = reference.alloc(g.transB ? [g.n, g.k] : [g.k, g.n], "f32", "b");
    const tc = reference.alloc([s, g.n], "f32", "c rows");
    reference.write(ta, subA);
    reference.write(tb, b);
    reference.write(tc, subC);
    reference.gemm({ ...g, a: ta, b: tb, c: tc, m: s, transA: false });
    return { rows: [...rows], n: g.n, values: (await reference.read(tc)) as Float32Array };
  } finally {
    env.freeAll();
    capture.dispose();
    reference.dispose();
  }
}

/** The `rows` of a row-major output with `n` columns. */
export function takeRows(data: Float32Array, n: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * n);
  rows.forEach((i, r) => out.set(data.subarray(i * n, (i + 1) * n), r * n));
  return out;
}
