/**
 * Argument rules of the feature interaction (contract in backend.ts): batchSize B, dim D and
 * numTables T are integers >= 0; op is "dot" or "cat"; itself a boolean; x >= B*D and
 * pooled >= B*T*D; the output (and its gradient dOut) >= B * width, width F*D for cat and
 * D + F(F-1)/2 (+ F with the diagonal) for dot, F = T + 1.
 */
import type { ArgCheck } from "./check.js";

/** Per-sample output width of the interaction. */
export function interactionOutWidth(op: "dot" | "cat", itself: boolean, dim: number, numTables: number): number {
  const f = numTables + 1;
  return op === "cat" ? f * dim : dim + (f * (f - 1)) / 2 + (itself ? f : 0);
}

/** The checks both directions share; returns (B, D, T, width). */
function common(c: ArgCheck): { b: number; d: number; t: number; width: number } {
  const [b, d, t] = c.dims("batchSize", "dim", "numTables") as [number, number, number];
  const op = c.choice("op", ["dot", "cat"]);
  const itself = c.flag("itself");
  c.precision();
  c.f32({ x: b * d, pooled: b * t * d });
  return { b, d, t, width: interactionOutWidth(op, itself, d, t) };
}

export const interactionSpecs = {
  /** out >= B * width. */
  interactionForward(c: ArgCheck): void {
    const { b, width } = common(c);
    c.tensor("out", "f32", b * width);
  },

  /** dOut >= B * width, dX >= B*D, dPooled >= B*T*D. */
  interactionBackward(c: ArgCheck): void {
    const { b, d, t, width } = common(c);
    c.f32({ dOut: b * width, dX: b * d, dPooled: b * t * d });
  },
};
