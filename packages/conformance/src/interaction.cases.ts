/**
 * Conformance cases for `interactionForward` and `interactionBackward`: dot without and
 * with self-interaction, and cat, at B = 1 with T = 1 and D = 3, odd D = 5, the Kaggle
 * shape (T = 26, D = 16) and the medium shape (T = 1, D = 64).
 */
import type { InteractionOp } from "@dlrm/core";
import { defineCase, type ConformanceCase } from "./case.js";

const SHAPES: readonly { B: number; D: number; T: number }[] = [
  { B: 1, D: 3, T: 1 },
  { B: 5, D: 5, T: 3 },
  { B: 4, D: 16, T: 26 },
  { B: 8, D: 64, T: 1 },
];

const VARIANTS: readonly { op: InteractionOp; itself: boolean; tag: string }[] = [
  { op: "dot", itself: false, tag: "dot" },
  { op: "dot", itself: true, tag: "dot itself" },
  { op: "cat", itself: false, tag: "cat" },
];

/** Output width: F*D for cat, D + P for dot. */
export function interactionWidth(op: InteractionOp, itself: boolean, D: number, T: number): number {
  const F = T + 1;
  if (op === "cat") return F * D;
  return D + (itself ? (F * (F + 1)) / 2 : (F * (F - 1)) / 2);
}

/** Every interaction case. */
export const interactionCases: readonly ConformanceCase[] = SHAPES.flatMap(({ B, D, T }) =>
  VARIANTS.flatMap(({ op, itself, tag }) => {
    const width = interactionWidth(op, itself, D, T);
    const label = `${tag} B=${B} D=${D} T=${T}`;
    return [
      defineCase({
        name: `interactionForward/${label}`,
        ops: ["interactionForward"],
        setup(env) {
          const x = env.random([B, D], 0, 1);
          const pooled = env.random([B, T * D]);
          const out = env.output("out", [B, width]);
          return () =>
            env.backend.interactionForward({ x, pooled, out, batchSize: B, dim: D, numTables: T, op, itself });
        },
      }),
      defineCase({
        name: `interactionBackward/${label}`,
        ops: ["interactionBackward"],
        setup(env) {
          const x = env.random([B, D], 0, 1);
          const pooled = env.random([B, T * D]);
          const dOut = env.random([B, width]);
          const dX = env.output("dX", [B, D]);
          const dPooled = env.output("dPooled", [B, T * D]);
          return () =>
            env.backend.interactionBackward({
              x,
              pooled,
              dOut,
              dX,
              dPooled,
              batchSize: B,
              dim: D,
              numTables: T,
              op,
              itself,
            });
        },
      }),
    ];
  }),
);
