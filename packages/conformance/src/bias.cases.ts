/**
 * Conformance cases for `biasAddForward` (accumulates into y) and `biasAddBackward`
 * (overwrites dBias with column sums): a single row (B = 1), odd widths and a tall
 * 512-row gradient, as in a batch-512 training step.
 */
import { defineCase, type ConformanceCase } from "./case.js";

const SHAPES: readonly (readonly [number, number])[] = [
  [1, 1],
  [1, 7],
  [7, 5],
  [33, 129],
  [512, 3],
  [512, 64],
];

/** Every bias case. */
export const biasCases: readonly ConformanceCase[] = SHAPES.flatMap(([rows, cols]) => [
  defineCase({
    name: `biasAddForward/${rows}x${cols}`,
    ops: ["biasAddForward"],
    setup(env) {
      const y = env.updated("y", [rows, cols], env.rng.f32(rows * cols, -2, 2));
      const bias = env.random([cols]);
      return () => env.backend.biasAddForward({ y, bias, rows, cols });
    },
  }),
  defineCase({
    name: `biasAddBackward/${rows}x${cols}`,
    ops: ["biasAddBackward"],
    setup(env) {
      const dY = env.random([rows, cols]);
      const dBias = env.output("dBias", [cols]);
      return () => env.backend.biasAddBackward({ dY, dBias, rows, cols });
    },
  }),
]);
