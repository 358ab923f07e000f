/**
 * Conformance cases for the optimizer steps: dense SGD and Adagrad (with zero gradients on
 * zero accumulators, where eps keeps the update finite and the parameter unchanged), and
 * sparse SGD / element-wise and row-wise Adagrad on the unique rows of every sparse
 * configuration (dRows rows past U hold junk that must not be applied), and sparse SGD with
 * a corrupt CSR map, which it does not read.
 */
import type { Tensor } from "@dlrm/core";
import { defineCase, withZeros, type CaseEnv, type CaseSparse, type ConformanceCase } from "./case.js";
import { SPARSE_CONFIGS, type SparseConfig } from "./sparse-configs.js";

/** Learning rate of every optimizer case: large enough that a wrong update exceeds the tolerance. */
export const LR = 0.05;
/** Adagrad epsilon, torch.optim.Adagrad's default. */
export const EPS = 1e-10;

/** Tables as compared outputs "tables[t]", starting from random values. */
export function updatedTables(env: CaseEnv, cfg: SparseConfig): Tensor[] {
  return cfg.tableRows.map((rows, t) => env.updated(`tables[${t}]`, [rows, cfg.dim], env.rng.f32(rows * cfg.dim)));
}

/** Accumulators as compared outputs "accs[t]": non-negative, a third of them exactly zero. */
export function updatedAccs(env: CaseEnv, cfg: SparseConfig, rowWise: boolean): Tensor[] {
  return cfg.tableRows.map((rows, t) => {
    const n = rows * (rowWise ? 1 : cfg.dim);
    return env.updated(`accs[${t}]`, rowWise ? [rows, 1] : [rows, cfg.dim], withZeros(env.rng, n, 0.33, 0, 1));
  });
}

/** dRows (Umax x D): random gradients, unique slot 0 all zero, junk (1e6) past U. */
export function rowGradients(env: CaseEnv, cfg: SparseConfig, sp: CaseSparse): Tensor {
  const D = cfg.dim;
  const data = env.rng.f32(sp.uMax * D);
  data.fill(0, 0, D);
  data.fill(1e6, sp.host.numUnique * D);
  return env.input([sp.uMax, D], data);
}

const DENSE_SIZES = [1, 7, 1000];

const dense: ConformanceCase[] = DENSE_SIZES.flatMap((size) => [
  defineCase({
    name: `sgdStep/${size}`,
    ops: ["sgdStep"],
    setup(env) {
      const param = env.updated("param", [size], env.rng.f32(size));
      const grad = env.input([size], withZeros(env.rng, size, 0.2));
      return () => env.backend.sgdStep({ param, grad, lr: LR, size });
    },
  }),
  defineCase({
    name: `adagradStep/${size} zero gradients and accumulators`,
    ops: ["adagradStep"],
    setup(env) {
      const param = env.updated("param", [size], env.rng.f32(size));
      const grad = env.input([size], withZeros(env.rng, size, 0.3));
      const acc = env.updated("acc", [size], withZeros(env.rng, size, 0.5, 0, 1));
      return () => env.backend.adagradStep({ param, grad, acc, lr: LR, eps: EPS, size });
    },
  }),
]);

const sparse: ConformanceCase[] = SPARSE_CONFIGS.flatMap((cfg) => {
  const T = cfg.tableRows.length;
  const D = cfg.dim;
  const adagrad = (rowWise: boolean): ConformanceCase =>
    defineCase({
      name: `sparseAdagradStep/${rowWise ? "row-wise" : "element-wise"} ${cfg.label}`,
      ops: ["sparseAdagradStep"],
      setup(env) {
        const sp = env.sparse(cfg.bags(env.rng), cfg.tableRows, cfg.batchSize);
        const tables = updatedTables(env, cfg);
        const accs = updatedAccs(env, cfg, rowWise);
        const dRows = rowGradients(env, cfg, sp);
        return () =>
          env.backend.sparseAdagradStep({
            tables,
            accs,
            sparse: sp.tensors,
            dRows,
            lr: LR,
            eps: EPS,
            dim: D,
            numTables: T,
            rowWise,
          });
      },
    });
  return [
    defineCase({
      name: `sparseSgdStep/${cfg.label}`,
      ops: ["sparseSgdStep"],
      setup(env) {
        const sp = env.sparse(cfg.bags(env.rng), cfg.tableRows, cfg.batchSize);
        const tables = updatedTables(env, cfg);
        const dRows = rowGradients(env, cfg, sp);
        return () => env.backend.sparseSgdStep({ tables, sparse: sp.tensors, dRows, lr: LR, dim: D, numTables: T });
      },
    }),
    adagrad(false),
    adagrad(true),
  ];
});

/** The sparse steps do not read the CSR map: a corrupt one changes nothing and is not refused (ops-spec/sparse-faults.ts). */
const csrUnread: ConformanceCase = defineCase({
  name: `sparseSgdStep/${SPARSE_CONFIGS[0]!.label} with a corrupt CSR map it does not read`,
  ops: ["sparseSgdStep"],
  setup(env) {
    const cfg = SPARSE_CONFIGS[0]!;
    const sp = env.sparse(cfg.bags(env.rng), cfg.tableRows, cfg.batchSize);
    env.backend.write(sp.tensors.csrOffsets, new Int32Array(sp.tensors.csrOffsets.size).fill(-5));
    env.backend.write(sp.tensors.csrBags, new Int32Array(sp.tensors.csrBags.size).fill(1 << 30));
    const tables = updatedTables(env, cfg);
    const dRows = rowGradients(env, cfg, sp);
    return () =>
      env.backend.sparseSgdStep({
        tables,
        sparse: sp.tensors,
        dRows,
        lr: LR,
        dim: cfg.dim,
        numTables: cfg.tableRows.length,
      });
  },
});

/** Every optimizer case. */
export const optimizerCases: readonly ConformanceCase[] = [...dense, ...sparse, csrUnread];
