/**
 * Conformance cases for the optional fused ops, run only on backends that implement them:
 * `linearForward` (gemm + bias + activation), `fusedAdagradStep` over several tensors, and
 * `embeddingBagsBackwardSparseStep` with SGD and both Adagrads (dRows is scratch there).
 */
import type { Activation } from "@dlrm/core";
import { defineCase, withZeros, type ConformanceCase } from "./case.js";
import { EPS, LR, updatedAccs, updatedTables } from "./optimizers.cases.js";
import { SPARSE_CONFIGS } from "./sparse-configs.js";

const LINEAR_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 3, 5],
  [7, 33, 65],
  [64, 128, 256],
];

const linear: ConformanceCase[] = LINEAR_SHAPES.flatMap(([B, K, N]) =>
  (["none", "relu", "sigmoid"] as const satisfies readonly Activation[]).map((activation) =>
    defineCase({
      name: `linearForward/B=${B} ${K}->${N} ${activation}`,
      ops: ["linearForward"],
      setup(env) {
        const x = env.random([B, K]);
        const weight = env.random([N, K]);
        const bias = env.random([N]);
        const y = env.output("y", [B, N]);
        return () =>
          env.backend.linearForward!({ x, weight, bias, y, batchSize: B, inFeatures: K, outFeatures: N, activation });
      },
    }),
  ),
);

const fusedAdagrad = defineCase({
  name: "fusedAdagradStep/three tensors with zero gradients",
  ops: ["fusedAdagradStep"],
  setup(env) {
    const sizes = [[5, 3], [5], [129]];
    const params = sizes.map((shape, i) =>
      env.updated(`params[${i}]`, shape, env.rng.f32(shape.reduce((a, b) => a * b, 1))),
    );
    const grads = sizes.map((shape) =>
      env.input(
        shape,
        withZeros(
          env.rng,
          shape.reduce((a, b) => a * b, 1),
          0.3,
        ),
      ),
    );
    const accs = sizes.map((shape, i) =>
      env.updated(
        `accs[${i}]`,
        shape,
        withZeros(
          env.rng,
          shape.reduce((a, b) => a * b, 1),
          0.5,
          0,
          1,
        ),
      ),
    );
    return () => env.backend.fusedAdagradStep!({ params, grads, accs, lr: LR, eps: EPS });
  },
});

const backwardStep: ConformanceCase[] = SPARSE_CONFIGS.flatMap((cfg) => {
  const T = cfg.tableRows.length;
  const D = cfg.dim;
  return (["sgd", "element-wise", "row-wise"] as const).map((kind) =>
    defineCase({
      name: `embeddingBagsBackwardSparseStep/${kind} ${cfg.label}`,
      ops: ["embeddingBagsBackwardSparseStep"],
      setup(env) {
        const sp = env.sparse(cfg.bags(env.rng), cfg.tableRows, cfg.batchSize);
        const dPooled = env.random([cfg.batchSize, T * D]);
        const tables = updatedTables(env, cfg);
        const rowWise = kind === "row-wise";
        const accs = kind === "sgd" ? undefined : updatedAccs(env, cfg, rowWise);
        const dRows = env.scratch([sp.uMax, D]);
        return () =>
          env.backend.embeddingBagsBackwardSparseStep!({
            dPooled,
            tables,
            ...(accs === undefined ? {} : { accs }),
            sparse: sp.tensors,
            dRows,
            lr: LR,
            eps: EPS,
            batchSize: cfg.batchSize,
            dim: D,
            numTables: T,
            rowWise,
          });
      },
    }),
  );
});

/** Every fused-op case. */
export const fusedCases: readonly ConformanceCase[] = [...linear, fusedAdagrad, ...backwardStep];
