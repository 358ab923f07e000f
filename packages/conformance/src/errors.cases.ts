/**
 * The error-case family: one bad call per rule of the contract (bad shapes, dtypes, lengths,
 * dims, numbers, choices, missing, freed and foreign tensors, out-of-range and negative indices,
 * non-monotone offsets, bad unique offsets, rows and CSR entries) with the exact error class and
 * message every backend must throw (core's ops-spec wording). The sparse data cases start from
 * a valid batch (2 tables of 4 and 5 rows, B = 2, D = 3) and overwrite one entry on the device.
 */
import type { Tensor } from "@dlrm/core";
import type { CaseEnv, CaseSparse } from "./case.js";
import type { ErrorCase, ExpectedError } from "./error-case.js";

const T = 2,
  B = 2,
  D = 3;
const ROWS = [4, 5];
/** Bags (t, b) table-major: indices [0, 1, 2, 3, 4, 1], offsets [0, 2, 3, 5, 6]. */
const BAGS = [[0, 1], [2], [3, 4], [1]];

const range = (message: string): ExpectedError => ({ name: "RangeError", message });
const type = (message: string): ExpectedError => ({ name: "TypeError", message });
const lifecycle = (message: string): ExpectedError => ({ name: "Error", message });

/** The case's tables, batch and gradient buffers. */
function batch(env: CaseEnv) {
  const s = env.sparse(BAGS, ROWS, B);
  const tables = ROWS.map((r) => env.random([r, D]));
  const accs = ROWS.map((r) => env.random([r, D], 0, 1));
  return {
    s,
    tables,
    accs,
    pooled: env.scratch([B, T * D]),
    dPooled: env.random([B, T * D]),
    dRows: env.scratch([s.uMax, D]),
  };
}

/** Overwrites `field` of the batch at `offset` (on the device, through write). */
function corrupt(env: CaseEnv, s: CaseSparse, field: keyof CaseSparse["tensors"], values: number[], offset = 0): void {
  env.backend.write(s.tensors[field], Int32Array.from(values), offset);
}

function f32(env: CaseEnv, n: number): Tensor {
  return env.random([n]);
}

const gemmArgs = (a: Tensor, b: Tensor, c: Tensor) => ({
  a,
  b,
  c,
  m: 2,
  n: 2,
  k: 2,
  transA: false,
  transB: false,
  alpha: 1,
  beta: 0,
});

/** Argument faults: thrown at the call on every backend, in both modes. */
const argumentCases: ErrorCase[] = [
  {
    name: "errors/gemm c too small",
    op: "gemm",
    rule: "length",
    kind: "argument",
    setup(env) {
      const a = f32(env, 4),
        c = f32(env, 3);
      return {
        call: () => env.backend.gemm(gemmArgs(a, a, c)),
        expect: range('gemm: argument "c" has 3 elements, needs at least 4'),
      };
    },
  },
  {
    name: "errors/gemm fractional m",
    op: "gemm",
    rule: "dims",
    kind: "argument",
    setup(env) {
      const a = f32(env, 4);
      return {
        call: () => env.backend.gemm({ ...gemmArgs(a, a, a), m: 1.5 }),
        expect: range('gemm: argument "m" must be an integer in [0, 2^31), got 1.5'),
      };
    },
  },
  {
    name: "errors/gemm negative k",
    op: "gemm",
    rule: "dims",
    kind: "argument",
    setup(env) {
      const a = f32(env, 4);
      return {
        call: () => env.backend.gemm({ ...gemmArgs(a, a, a), k: -1 }),
        expect: range('gemm: argument "k" must be an integer in [0, 2^31), got -1'),
      };
    },
  },
  {
    name: "errors/gemm i32 operand",
    op: "gemm",
    rule: "dtype",
    kind: "argument",
    setup(env) {
      const a = env.ints([4], [1, 2, 3, 4]),
        c = f32(env, 4);
      return {
        call: () => env.backend.gemm(gemmArgs(a, c, c)),
        expect: type('gemm: argument "a" must be f32, got i32'),
      };
    },
  },
  {
    name: "errors/gemm unknown precision",
    op: "gemm",
    rule: "choice",
    kind: "argument",
    setup(env) {
      const a = f32(env, 4);
      const args = { ...gemmArgs(a, a, a), precision: "fp8" } as unknown as Parameters<typeof env.backend.gemm>[0];
      return {
        call: () => env.backend.gemm(args),
        expect: type('gemm: argument "precision" must be one of "fp32", "bf16", got "fp8"'),
      };
    },
  },
  {
    name: "errors/gemm NaN alpha",
    op: "gemm",
    rule: "number",
    kind: "argument",
    setup(env) {
      const a = f32(env, 4);
      return {
        call: () => env.backend.gemm({ ...gemmArgs(a, a, a), alpha: NaN }),
        expect: range('gemm: argument "alpha" must be a finite number, got NaN'),
      };
    },
  },
  {
    name: "errors/gemm transA not a boolean",
    op: "gemm",
    rule: "choice",
    kind: "argument",
    setup(env) {
      const a = f32(env, 4);
      const args = { ...gemmArgs(a, a, a), transA: 1 } as unknown as Parameters<typeof env.backend.gemm>[0];
      return { call: () => env.backend.gemm(args), expect: type('gemm: argument "transA" must be a boolean, got 1') };
    },
  },
  {
    name: "errors/biasAddForward bias too small",
    op: "biasAddForward",
    rule: "length",
    kind: "argument",
    setup(env) {
      const y = f32(env, 6),
        bias = f32(env, 2);
      return {
        call: () => env.backend.biasAddForward({ y, bias, rows: 2, cols: 3 }),
        expect: range('biasAddForward: argument "bias" has 2 elements, needs at least 3'),
      };
    },
  },
  {
    name: "errors/reluForward missing y",
    op: "reluForward",
    rule: "missing",
    kind: "argument",
    setup(env) {
      const x = f32(env, 4);
      const args = { x, y: undefined, size: 4 } as unknown as Parameters<typeof env.backend.reluForward>[0];
      return { call: () => env.backend.reluForward(args), expect: type('reluForward: argument "y" is missing') };
    },
  },
  {
    name: "errors/reluBackward freed dY",
    op: "reluBackward",
    rule: "freed",
    kind: "argument",
    setup(env) {
      const y = f32(env, 4),
        dY = env.backend.alloc([4], "f32", "freed");
      env.backend.free(dY);
      return {
        call: () => env.backend.reluBackward({ y, dY, dX: y, size: 4 }),
        expect: lifecycle(`reluBackward: argument "dY" (tensor #${dY.id}) was freed or never allocated here`),
      };
    },
  },
  {
    name: "errors/reluForward tensor of another backend",
    op: "reluForward",
    rule: "foreign",
    kind: "argument",
    setup(env) {
      const x = f32(env, 4);
      const copy: Tensor = { ...x };
      return {
        call: () => env.backend.reluForward({ x: copy, y: x, size: 4 }),
        expect: lifecycle(`reluForward: argument "x" (tensor #${x.id}) belongs to another backend`),
      };
    },
  },
  {
    name: "errors/reluForward unknown tensor id",
    op: "reluForward",
    rule: "foreign",
    kind: "argument",
    setup(env) {
      const y = f32(env, 4);
      const x: Tensor = { id: 987654321, shape: [4], size: 4, dtype: "f32" };
      return {
        call: () => env.backend.reluForward({ x, y, size: 4 }),
        expect: lifecycle('reluForward: argument "x" (tensor #987654321) was freed or never allocated here'),
      };
    },
  },
  {
    name: "errors/interactionForward unknown op",
    op: "interactionForward",
    rule: "choice",
    kind: "argument",
    setup(env) {
      const x = f32(env, B * D),
        pooled = f32(env, B * T * D),
        out = f32(env, 64);
      const args = {
        x,
        pooled,
        out,
        batchSize: B,
        dim: D,
        numTables: T,
        op: "sum",
        itself: false,
      } as unknown as Parameters<typeof env.backend.interactionForward>[0];
      return {
        call: () => env.backend.interactionForward(args),
        expect: type('interactionForward: argument "op" must be one of "dot", "cat", got "sum"'),
      };
    },
  },
  {
    name: "errors/interactionBackward dOut too small",
    op: "interactionBackward",
    rule: "shape",
    kind: "argument",
    setup(env) {
      const x = f32(env, B * D),
        pooled = f32(env, B * T * D),
        dOut = f32(env, B * 5);
      return {
        call: () =>
          env.backend.interactionBackward({
            x,
            pooled,
            dOut,
            dX: x,
            dPooled: pooled,
            batchSize: B,
            dim: D,
            numTables: T,
            op: "dot",
            itself: false,
          }),
        expect: range('interactionBackward: argument "dOut" has 10 elements, needs at least 12'),
      };
    },
  },
  {
    name: "errors/lossForward threshold 0.5",
    op: "lossForward",
    rule: "number",
    kind: "argument",
    setup(env) {
      const v = f32(env, 4),
        stats = f32(env, 3);
      return {
        call: () =>
          env.backend.lossForward({
            logits: v,
            targets: v,
            probs: v,
            stats,
            batchSize: 4,
            loss: "bce",
            threshold: 0.5,
          }),
        expect: range('lossForward: argument "threshold" must be in [0, 0.5), got 0.5'),
      };
    },
  },
  {
    name: "errors/lossBackward meanOver zero",
    op: "lossBackward",
    rule: "dims",
    kind: "argument",
    setup(env) {
      const v = f32(env, 4);
      return {
        call: () =>
          env.backend.lossBackward({
            logits: v,
            targets: v,
            dLogits: v,
            batchSize: 4,
            loss: "mse",
            threshold: 0,
            meanOver: 0,
          }),
        expect: range('lossBackward: argument "meanOver" must be an integer in [1, 2^31), got 0'),
      };
    },
  },
  {
    name: "errors/sgdStep infinite lr",
    op: "sgdStep",
    rule: "number",
    kind: "argument",
    setup(env) {
      const p = f32(env, 4);
      return {
        call: () => env.backend.sgdStep({ param: p, grad: p, lr: Infinity, size: 4 }),
        expect: range('sgdStep: argument "lr" must be a finite number, got Infinity'),
      };
    },
  },
  {
    name: "errors/adagradStep acc of i32",
    op: "adagradStep",
    rule: "dtype",
    kind: "argument",
    setup(env) {
      const p = f32(env, 4),
        acc = env.ints([4], [0, 0, 0, 0]);
      return {
        call: () => env.backend.adagradStep({ param: p, grad: p, acc, lr: 0.1, eps: 1e-8, size: 4 }),
        expect: type('adagradStep: argument "acc" must be f32, got i32'),
      };
    },
  },
  {
    name: "errors/fill fractional value for i32",
    op: "fill",
    rule: "number",
    kind: "argument",
    setup(env) {
      const t = env.ints([3], [0, 0, 0]);
      return {
        call: () => env.backend.fill({ t, value: 1.5 }),
        expect: range('fill: argument "value" must be an integer in [-2^31, 2^31) for an i32 tensor, got 1.5'),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward table not whole rows",
    op: "embeddingBagsForward",
    rule: "shape",
    kind: "argument",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      const odd = f32(env, 14);
      return {
        call: () =>
          env.backend.embeddingBagsForward({
            tables: [tables[0]!, odd],
            sparse: s.tensors,
            pooled,
            batchSize: B,
            dim: D,
          }),
        expect: range('embeddingBagsForward: argument "tables[1]" has 14 elements, not a multiple of dim 3'),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward offsets of f32",
    op: "embeddingBagsForward",
    rule: "dtype",
    kind: "argument",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      const sparse = { ...s.tensors, offsets: f32(env, T * B + 1) };
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse, pooled, batchSize: B, dim: D }),
        expect: type('embeddingBagsForward: argument "sparse.offsets" must be i32, got f32'),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward offsets too short",
    op: "embeddingBagsForward",
    rule: "length",
    kind: "argument",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      const sparse = { ...s.tensors, offsets: env.ints([3], [0, 2, 3]) };
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse, pooled, batchSize: B, dim: D }),
        expect: range('embeddingBagsForward: argument "sparse.offsets" has 3 elements, needs at least 5'),
      };
    },
  },
  {
    name: "errors/embeddingBagsBackward dRows below the unique-row capacity",
    op: "embeddingBagsBackward",
    rule: "length",
    kind: "argument",
    setup(env) {
      const { s, dPooled } = batch(env);
      const dRows = env.scratch([s.host.numUnique, D]);
      return {
        call: () =>
          env.backend.embeddingBagsBackward({ dPooled, sparse: s.tensors, dRows, batchSize: B, dim: D, numTables: T }),
        expect: range(
          `embeddingBagsBackward: argument "dRows" has ${s.host.numUnique * D} elements, needs at least ${s.uMax * D}`,
        ),
      };
    },
  },
  {
    name: "errors/sparseSgdStep tables count differs from numTables",
    op: "sparseSgdStep",
    rule: "length",
    kind: "argument",
    setup(env) {
      const { s, tables, dRows } = batch(env);
      return {
        call: () =>
          env.backend.sparseSgdStep({ tables: [tables[0]!], sparse: s.tensors, dRows, lr: 0.1, dim: D, numTables: T }),
        expect: range('sparseSgdStep: argument "tables" has 1 tensors, numTables is 2'),
      };
    },
  },
  {
    name: "errors/sparseAdagradStep row-wise acc too small",
    op: "sparseAdagradStep",
    rule: "length",
    kind: "argument",
    setup(env) {
      const { s, tables, dRows } = batch(env);
      const accs = [f32(env, 4), f32(env, 4)];
      return {
        call: () =>
          env.backend.sparseAdagradStep({
            tables,
            accs,
            sparse: s.tensors,
            dRows,
            lr: 0.1,
            eps: 1e-8,
            dim: D,
            numTables: T,
            rowWise: true,
          }),
        expect: range('sparseAdagradStep: argument "accs[1]" has 4 elements, needs at least 5'),
      };
    },
  },
  {
    name: "errors/write data of the other dtype",
    op: "write",
    rule: "dtype",
    kind: "argument",
    setup(env) {
      const t = f32(env, 4);
      return {
        call: () => env.backend.write(t, new Int32Array(4)),
        expect: type(`write: argument "data" must be a Float32Array for f32 tensor #${t.id}, got Int32Array`),
      };
    },
  },
  {
    name: "errors/write past the end",
    op: "write",
    rule: "length",
    kind: "argument",
    setup(env) {
      const t = f32(env, 4);
      return {
        call: () => env.backend.write(t, new Float32Array(2), 3),
        expect: range(`write: 2 elements at offset 3 do not fit tensor #${t.id} of 4 elements`),
      };
    },
  },
  {
    name: "errors/alloc negative dimension",
    op: "alloc",
    rule: "shape",
    kind: "argument",
    setup(env) {
      return {
        call: () => env.backend.alloc([2, -1], "f32", "bad"),
        expect: range('alloc(bad): argument "shape" holds -1, not an integer >= 0: [2, -1]'),
      };
    },
  },
  {
    name: "errors/alloc unknown dtype",
    op: "alloc",
    rule: "dtype",
    kind: "argument",
    setup(env) {
      const dtype = "f16" as unknown as "f32";
      return {
        call: () => env.backend.alloc([2], dtype, "bad"),
        expect: type('alloc(bad): argument "dtype" must be one of "f32", "i32", got "f16"'),
      };
    },
  },
  {
    name: "errors/free twice",
    op: "free",
    rule: "freed",
    kind: "argument",
    setup(env) {
      const t = env.backend.alloc([2], "f32", "twice");
      env.backend.free(t);
      return {
        call: () => env.backend.free(t),
        expect: lifecycle(`free: argument "t" (tensor #${t.id}) was freed or never allocated here`),
      };
    },
  },
];

/** Data faults: what the sparse tensors hold. */
const dataCases: ErrorCase[] = [
  {
    name: "errors/embeddingBagsForward index past its table",
    op: "embeddingBagsForward",
    rule: "out-of-range index",
    kind: "data",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      corrupt(env, s, "indices", [9], 4);
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse: s.tensors, pooled, batchSize: B, dim: D }),
        expect: range("embeddingBagsForward: sparse.indices[4] = 9 is out of range for table 1 (5 rows)"),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward negative index",
    op: "embeddingBagsForward",
    rule: "negative index",
    kind: "data",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      corrupt(env, s, "indices", [-1], 1);
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse: s.tensors, pooled, batchSize: B, dim: D }),
        expect: range("embeddingBagsForward: sparse.indices[1] = -1 is out of range for table 0 (4 rows)"),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward decreasing offsets",
    op: "embeddingBagsForward",
    rule: "offsets",
    kind: "data",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      corrupt(env, s, "offsets", [0, 2, 1, 5, 6]);
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse: s.tensors, pooled, batchSize: B, dim: D }),
        expect: range("embeddingBagsForward: sparse.offsets decreases at 2 (2 then 1)"),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward offsets not starting at 0",
    op: "embeddingBagsForward",
    rule: "offsets",
    kind: "data",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      corrupt(env, s, "offsets", [1]);
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse: s.tensors, pooled, batchSize: B, dim: D }),
        expect: range("embeddingBagsForward: sparse.offsets[0] must be 0, got 1"),
      };
    },
  },
  {
    name: "errors/embeddingBagsForward offsets past the indices",
    op: "embeddingBagsForward",
    rule: "offsets",
    kind: "data",
    setup(env) {
      const { s, tables, pooled } = batch(env);
      corrupt(env, s, "offsets", [40], T * B);
      const n = s.tensors.indices.size;
      return {
        call: () => env.backend.embeddingBagsForward({ tables, sparse: s.tensors, pooled, batchSize: B, dim: D }),
        expect: range(`embeddingBagsForward: sparse.offsets ends at 40 but sparse.indices has ${n} elements`),
      };
    },
  },
  {
    name: "errors/embeddingBagsBackward bag number past the batch",
    op: "embeddingBagsBackward",
    rule: "csr",
    kind: "data",
    setup(env) {
      const { s, dPooled, dRows } = batch(env);
      corrupt(env, s, "csrBags", [7]);
      return {
        call: () =>
          env.backend.embeddingBagsBackward({ dPooled, sparse: s.tensors, dRows, batchSize: B, dim: D, numTables: T }),
        expect: range("embeddingBagsBackward: sparse.csrBags[0] = 7 is not a bag in 0..1"),
      };
    },
  },
  {
    name: "errors/embeddingBagsBackward decreasing unique offsets",
    op: "embeddingBagsBackward",
    rule: "unique offsets",
    kind: "data",
    setup(env) {
      const { s, dPooled, dRows } = batch(env);
      corrupt(env, s, "tableUniqueOffsets", [0, 5, 4]);
      return {
        call: () =>
          env.backend.embeddingBagsBackward({ dPooled, sparse: s.tensors, dRows, batchSize: B, dim: D, numTables: T }),
        expect: range("embeddingBagsBackward: sparse.tableUniqueOffsets decreases at 2"),
      };
    },
  },
  {
    name: "errors/embeddingBagsBackward weighted: unique row past its table",
    op: "embeddingBagsBackward",
    rule: "unique rows",
    kind: "data",
    setup(env) {
      const { s, tables, dPooled, dRows } = batch(env);
      const rowWeights = ROWS.map((r) => env.random([r]));
      const dRowWeights = env.scratch([s.uMax]);
      corrupt(env, s, "uniqueRows", [8], 4);
      return {
        call: () =>
          env.backend.embeddingBagsBackward({
            dPooled,
            sparse: s.tensors,
            dRows,
            batchSize: B,
            dim: D,
            numTables: T,
            rowWeights,
            tables,
            dRowWeights,
          }),
        expect: range("embeddingBagsBackward: sparse.uniqueRows[4] = 8 is out of range for table 1 (5 rows)"),
      };
    },
  },
  {
    name: "errors/sparseSgdStep unique row past its table",
    op: "sparseSgdStep",
    rule: "unique rows",
    kind: "data",
    setup(env) {
      const { s, tables, dRows } = batch(env);
      corrupt(env, s, "uniqueRows", [8], 4);
      return {
        call: () => env.backend.sparseSgdStep({ tables, sparse: s.tensors, dRows, lr: 0.1, dim: D, numTables: T }),
        expect: range("sparseSgdStep: sparse.uniqueRows[4] = 8 is out of range for table 1 (5 rows)"),
      };
    },
  },
  {
    name: "errors/sparseAdagradStep more unique slots than uniqueRows holds",
    op: "sparseAdagradStep",
    rule: "unique offsets",
    kind: "data",
    setup(env) {
      const { s, tables, accs, dRows } = batch(env);
      corrupt(env, s, "tableUniqueOffsets", [0, 3, s.uMax + 1]);
      return {
        call: () =>
          env.backend.sparseAdagradStep({
            tables,
            accs,
            sparse: s.tensors,
            dRows,
            lr: 0.1,
            eps: 1e-8,
            dim: D,
            numTables: T,
            rowWise: false,
          }),
        expect: range(
          `sparseAdagradStep: sparse.tableUniqueOffsets ends at ${s.uMax + 1} but sparse.uniqueRows has ${s.uMax} elements`,
        ),
      };
    },
  },
  {
    name: "errors/embeddingBagsBackwardSparseStep CSR range past csrBags",
    op: "embeddingBagsBackwardSparseStep",
    rule: "csr",
    kind: "data",
    setup(env) {
      const { s, tables, accs, dPooled, dRows } = batch(env);
      corrupt(env, s, "csrOffsets", [99], 2);
      const lo = s.host.csrOffsets[1]!;
      return {
        call: () =>
          env.backend.embeddingBagsBackwardSparseStep!({
            dPooled,
            tables,
            accs,
            sparse: s.tensors,
            dRows,
            lr: 0.1,
            eps: 1e-8,
            batchSize: B,
            dim: D,
            numTables: T,
            rowWise: true,
          }),
        expect: range(
          `embeddingBagsBackwardSparseStep: sparse.csrOffsets[1..2] = ${lo}..99 is not a valid range of sparse.csrBags`,
        ),
      };
    },
  },
];

/** Every error case. */
export const errorCases: readonly ErrorCase[] = [...argumentCases, ...dataCases];
