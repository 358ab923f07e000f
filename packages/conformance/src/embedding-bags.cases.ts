/**
 * Conformance cases for `embeddingBagsForward` (pooled sums, empty bags give zeros) and
 * `embeddingBagsBackward` (sums per unique row through the CSR inverse map; dRows rows
 * past U must stay untouched, which the NaN poison checks) over every sparse configuration;
 * the same two ops with dlrm's learned row weights (rowWeights in, dRowWeights out).
 */
import type { Tensor } from "@dlrm/core";
import { defineCase, type CaseEnv, type ConformanceCase } from "./case.js";
import { SPARSE_CONFIGS, type SparseConfig } from "./sparse-configs.js";

/** Random tables for a configuration (values in [-1, 1)). */
export function randomTables(env: CaseEnv, cfg: SparseConfig): Tensor[] {
  return cfg.tableRows.map((rows) => env.random([rows, cfg.dim]));
}

/** Every embedding-bags case. */
export const embeddingBagsCases: readonly ConformanceCase[] = SPARSE_CONFIGS.flatMap((cfg) => {
  const { tableRows, batchSize, dim } = cfg;
  const T = tableRows.length;
  return [
    defineCase({
      name: `embeddingBagsForward/${cfg.label}`,
      ops: ["embeddingBagsForward"],
      setup(env) {
        const tables = randomTables(env, cfg);
        const { tensors } = env.sparse(cfg.bags(env.rng), tableRows, batchSize);
        const pooled = env.output("pooled", [batchSize, T * dim]);
        return () => env.backend.embeddingBagsForward({ tables, sparse: tensors, pooled, batchSize, dim });
      },
    }),
    defineCase({
      name: `embeddingBagsBackward/${cfg.label}`,
      ops: ["embeddingBagsBackward"],
      setup(env) {
        const { tensors, uMax } = env.sparse(cfg.bags(env.rng), tableRows, batchSize);
        const dPooled = env.random([batchSize, T * dim]);
        const dRows = env.output("dRows", [uMax, dim]);
        return () =>
          env.backend.embeddingBagsBackward({ dPooled, sparse: tensors, dRows, batchSize, dim, numTables: T });
      },
    }),
    defineCase({
      name: `embeddingBagsForward/weighted/${cfg.label}`,
      ops: ["embeddingBagsForward"],
      setup(env) {
        const tables = randomTables(env, cfg);
        const rowWeights = tableRows.map((rows) => env.random([rows]));
        const { tensors } = env.sparse(cfg.bags(env.rng), tableRows, batchSize);
        const pooled = env.output("pooled", [batchSize, T * dim]);
        return () => env.backend.embeddingBagsForward({ tables, sparse: tensors, pooled, batchSize, dim, rowWeights });
      },
    }),
    defineCase({
      name: `embeddingBagsBackward/weighted/${cfg.label}`,
      ops: ["embeddingBagsBackward"],
      setup(env) {
        const tables = randomTables(env, cfg);
        const rowWeights = tableRows.map((rows) => env.random([rows]));
        const { tensors, uMax } = env.sparse(cfg.bags(env.rng), tableRows, batchSize);
        const dPooled = env.random([batchSize, T * dim]);
        const dRows = env.output("dRows", [uMax, dim]);
        const dRowWeights = env.output("dRowWeights", [uMax]);
        return () =>
          env.backend.embeddingBagsBackward({
            dPooled,
            sparse: tensors,
            dRows,
            batchSize,
            dim,
            numTables: T,
            rowWeights,
            tables,
            dRowWeights,
          });
      },
    }),
  ];
});
