/**
 * bf16 mixed-precision conformance cases: gemm (all transposes, beta = 0 over NaN and
 * beta != 0), linearForward, the dot interaction forward and backward (cat too: it must be
 * unchanged) and whole training steps, each with `precision: "bf16"` so both the backend and
 * the reference round matrix-product operands to bf16; tolerances in tolerances.ts.
 */
import type { Activation, InteractionOp } from "@dlrm/core";
import { defineCase, type ConformanceCase } from "./case.js";
import { interactionWidth } from "./interaction.cases.js";
import { STEP_VARIANTS, stepCase } from "./training-step.cases.js";

const TRANSPOSES = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** M, N, K: a hand-sized product, odd sizes off every tile, and a medium-like one. */
const GEMM_SHAPES: readonly (readonly [number, number, number])[] = [
  [2, 2, 3],
  [7, 33, 65],
  [129, 7, 33],
  [64, 256, 128],
];

function gemmCase(
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
): ConformanceCase {
  return defineCase({
    name: `gemm/bf16 ${transA ? "t" : "n"}${transB ? "t" : "n"} ${m}x${n}x${k} alpha ${alpha} beta ${beta}`,
    ops: ["gemm"],
    precision: "bf16",
    setup(env) {
      const a = env.random(transA ? [k, m] : [m, k]);
      const b = env.random(transB ? [n, k] : [k, n]);
      const c = beta === 0 ? env.output("c", [m, n]) : env.updated("c", [m, n], env.rng.f32(m * n));
      return () => env.backend.gemm({ a, b, c, m, n, k, transA, transB, alpha, beta, precision: "bf16" });
    },
  });
}

const gemm = GEMM_SHAPES.flatMap(([m, n, k]) =>
  TRANSPOSES.flatMap(([ta, tb]) => [gemmCase(m, n, k, ta, tb, 1, 0), gemmCase(m, n, k, ta, tb, -1.5, 0.75)]),
);

const linear = (
  [
    [1, 3, 5],
    [7, 33, 65],
    [64, 128, 256],
  ] as const
).flatMap(([B, K, N]) =>
  (["none", "relu", "sigmoid"] as const satisfies readonly Activation[]).map((activation) =>
    defineCase({
      name: `linearForward/bf16 B=${B} ${K}->${N} ${activation}`,
      ops: ["linearForward"],
      precision: "bf16",
      setup(env) {
        const x = env.random([B, K]);
        const weight = env.random([N, K]);
        const bias = env.random([N]);
        const y = env.output("y", [B, N]);
        return () =>
          env.backend.linearForward!({
            x,
            weight,
            bias,
            y,
            batchSize: B,
            inFeatures: K,
            outFeatures: N,
            activation,
            precision: "bf16",
          });
      },
    }),
  ),
);

const INTERACTION_SHAPES = [
  { B: 1, D: 3, T: 1 },
  { B: 5, D: 5, T: 3 },
  { B: 4, D: 16, T: 26 },
] as const;
const INTERACTION_VARIANTS: readonly { op: InteractionOp; itself: boolean; tag: string }[] = [
  { op: "dot", itself: false, tag: "dot" },
  { op: "dot", itself: true, tag: "dot itself" },
  { op: "cat", itself: false, tag: "cat" },
];

const interaction = INTERACTION_SHAPES.flatMap(({ B, D, T }) =>
  INTERACTION_VARIANTS.flatMap(({ op, itself, tag }) => {
    const width = interactionWidth(op, itself, D, T);
    const label = `bf16 ${tag} B=${B} D=${D} T=${T}`;
    return [
      defineCase({
        name: `interactionForward/${label}`,
        ops: ["interactionForward"],
        precision: "bf16",
        setup(env) {
          const x = env.random([B, D], 0, 1);
          const pooled = env.random([B, T * D]);
          const out = env.output("out", [B, width]);
          return () =>
            env.backend.interactionForward({
              x,
              pooled,
              out,
              batchSize: B,
              dim: D,
              numTables: T,
              op,
              itself,
              precision: "bf16",
            });
        },
      }),
      defineCase({
        name: `interactionBackward/${label}`,
        ops: ["interactionBackward"],
        precision: "bf16",
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
              precision: "bf16",
            });
        },
      }),
    ];
  }),
);

/** Every bf16 case (unit scale). */
export const bf16Cases: readonly ConformanceCase[] = [
  ...gemm,
  ...linear,
  ...interaction,
  ...STEP_VARIANTS.map((v) => stepCase(v, "bf16")),
];
