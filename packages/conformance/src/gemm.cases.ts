/**
 * Conformance cases for `gemm`: all four transpose cases, each with beta = 0 (C holds NaN
 * before the call, which must be ignored) and beta != 0 (accumulate), at a hand-sized
 * shape, odd sizes (1, 7, 33, 65, 129) and a medium-like 64 x 256 x 128.
 */
import { defineCase, type CaseScale, type ConformanceCase, type OpCase } from "./case.js";
import type { ShapeToleranceName } from "./tolerances.js";

/** The four (transA, transB) cases. */
export const TRANSPOSES = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** M, N, K triples: degenerate, odd, around one 32/64/128 tile and a medium-like product. */
const SHAPES: readonly (readonly [number, number, number])[] = [
  [2, 2, 3],
  [1, 1, 1],
  [7, 33, 65],
  [129, 7, 33],
  [1, 129, 7],
  [65, 1, 129],
  [33, 65, 5],
];

/** How a gemm case differs from a unit-scale one (the Medium shapes: their own scale, name and tolerance). */
export interface GemmCaseOptions {
  scale?: CaseScale;
  tolerance?: ShapeToleranceName;
  name?: string;
}

/** C = alpha op(A) op(B) + beta C on seeded data; beta = 0 starts from a NaN-poisoned C. */
export function gemmCase(
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
  options: GemmCaseOptions = {},
): OpCase {
  const tag = `${transA ? "t" : "n"}${transB ? "t" : "n"}`;
  return defineCase({
    name: options.name ?? `gemm/${tag} ${m}x${n}x${k} alpha ${alpha} beta ${beta}`,
    ops: ["gemm"],
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance }),
    setup(env) {
      const a = env.random(transA ? [k, m] : [m, k]);
      const b = env.random(transB ? [n, k] : [k, n]);
      const c = beta === 0 ? env.output("c", [m, n]) : env.updated("c", [m, n], env.rng.f32(m * n));
      return () => env.backend.gemm({ a, b, c, m, n, k, transA, transB, alpha, beta });
    },
  });
}

/** Every gemm case. */
export const gemmCases: readonly ConformanceCase[] = [
  ...SHAPES.flatMap(([m, n, k]) =>
    TRANSPOSES.flatMap(([ta, tb]) => [gemmCase(m, n, k, ta, tb, 1, 0), gemmCase(m, n, k, ta, tb, -1.5, 0.75)]),
  ),
  ...TRANSPOSES.map(([ta, tb]) => gemmCase(64, 256, 128, ta, tb, 1, 0)),
  gemmCase(64, 256, 128, false, true, 1, 1),
];
