/**
 * Argument validation of the raw addon (RELIABILITY.md, "Native addon calls" and "Sparse
 * batches reaching a kernel"): wrong counts, undefined, null, strings, plain arrays, wrong
 * typed-array kinds, views with a byte offset, detached buffers, bad sizes, inconsistent
 * lengths, use after free and dispose, bad indices and offsets: a TypeError or RangeError
 * naming the argument, before any memory is touched.
 */
import { expect, it } from "vitest";
import { FUSED_OPS, REQUIRED_OPS } from "@dlrm/core";
import { addon, describeNative, expectError } from "./test-util.js";
import type { NativeEngine } from "./native.js";

type Call = (args: unknown) => void;
const op =
  (e: NativeEngine, name: string): Call =>
  (args) =>
    (e[name] as (a: unknown) => void).call(e, args);

function engine(lazy = false): NativeEngine {
  return new (addon().Engine)(lazy);
}

function f32(e: NativeEngine, data: number[] | number, label = "t"): number {
  const values = typeof data === "number" ? new Float32Array(data) : Float32Array.from(data);
  const id = e.alloc(values.length, "f32", label);
  e.write(id, values, 0);
  return id;
}

function i32(e: NativeEngine, data: number[], label = "t"): number {
  const id = e.alloc(Math.max(data.length, 1), "i32", label);
  e.write(id, Int32Array.from(data), 0);
  return id;
}

function read(e: NativeEngine, id: number, n: number): Float32Array {
  const out = new Float32Array(n);
  e.read(id, out);
  return out;
}

describeNative("op vocabulary", () => {
  it("the engine's op methods (bindings/ops.h's DLRM_OPS) are exactly the contract's ops, by the contract's names", () => {
    const memory = ["constructor", "alloc", "free", "write", "read", "markStep", "sync", "busy", "stats", "dispose"];
    const methods = Object.getOwnPropertyNames(addon().Engine.prototype).filter((n) => !memory.includes(n));
    expect(methods.sort()).toEqual([...REQUIRED_OPS, ...FUSED_OPS].sort());
  });
});

describeNative("op argument object", () => {
  const e = engine();
  const a = f32(e, 4);
  const gemm = op(e, "gemm");
  const good = { a, b: a, c: a, m: 2, n: 2, k: 2, transA: false, transB: false, alpha: 1, beta: 0 };

  it("wrong argument count is a TypeError", () => {
    expectError(() => (e["gemm"] as () => void).call(e), TypeError, "gemm", "one argument object", "0 arguments");
    expectError(() => (e["gemm"] as (x: unknown, y: unknown) => void).call(e, good, good), TypeError, "2 arguments");
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a string", "gemm"],
    ["a plain array", [1, 2]],
    ["a typed array", new Float32Array(2)],
  ])("%s instead of the object is a TypeError", (_n, v) => {
    expectError(() => gemm(v), TypeError, "gemm", "object of named arguments");
  });

  it.each([
    ["undefined", undefined, TypeError],
    ["null", null, TypeError],
    ["a string", "2", TypeError],
    ["a plain array", [2], TypeError],
    ["NaN", NaN, RangeError],
    ["Infinity", Infinity, RangeError],
    ["a fraction", 1.5, RangeError],
    ["a negative size", -1, RangeError],
    ["2^31", 2 ** 31, RangeError],
  ] as const)("size m = %s is rejected naming m", (_n, v, cls) => {
    expectError(() => gemm({ ...good, m: v }), cls, 'argument "m"');
  });

  it("a tensor argument that is not an id, or an unknown id, names the argument", () => {
    expectError(() => gemm({ ...good, b: "x" }), TypeError, 'argument "b"');
    expectError(() => gemm({ ...good, b: new Float32Array(4) }), TypeError, 'argument "b"');
    expectError(() => gemm({ ...good, b: 1.5 }), RangeError, 'argument "b"');
    expectError(() => gemm({ ...good, c: 999 }), Error, 'argument "c"', "freed or never allocated");
  });

  it("inconsistent sizes name the tensor that is too small", () => {
    expectError(() => gemm({ ...good, m: 3 }), RangeError, 'argument "a"', "needs at least 6");
    expectError(() => gemm({ ...good, b: f32(e, 2) }), RangeError, 'argument "b"', "needs at least 4");
  });

  it("the wrong dtype is a TypeError naming the tensor", () => {
    const ids = i32(e, [1, 2, 3, 4]);
    expectError(() => gemm({ ...good, a: ids }), TypeError, 'argument "a"', "must be f32");
  });

  it("flags, numbers and choices are type-checked", () => {
    expectError(() => gemm({ ...good, transA: 1 }), TypeError, 'argument "transA"', "boolean");
    expectError(() => gemm({ ...good, alpha: "1" }), TypeError, 'argument "alpha"');
    expectError(() => gemm({ ...good, alpha: NaN }), TypeError, 'argument "alpha"');
    expectError(() => gemm({ ...good, precision: "fp64" }), TypeError, 'argument "precision"');
    const x = f32(e, 4);
    const loss = op(e, "lossForward");
    const l = { logits: x, targets: x, probs: x, stats: x, batchSize: 1, loss: "bce", threshold: 0 };
    expectError(() => loss({ ...l, loss: "hinge" }), TypeError, 'argument "loss"');
    expectError(() => loss({ ...l, threshold: 0.5 }), RangeError, 'argument "threshold"');
    expectError(
      () =>
        op(
          e,
          "interactionForward",
        )({ x, pooled: x, out: x, batchSize: 1, dim: 1, numTables: 1, op: "sum", itself: false }),
      TypeError,
      'argument "op"',
    );
  });

  it("crossBackward's optional dXl: absent is layer 0, present is checked and written; undersized names it", () => {
    const x0 = f32(e, [1, 2]);
    const y = f32(e, [3, 4]);
    const dOut = f32(e, [5, 6]);
    const dY = f32(e, 2);
    const dX0 = f32(e, 2);
    const cross = op(e, "crossBackward");
    const base = { x0, y, dOut, dY, dX0, size: 2, accumulate: false };
    expectError(() => cross({ ...base, dXl: f32(e, 1) }), RangeError, 'argument "dXl"', "needs at least 2");
    expectError(() => cross({ ...base, dXl: i32(e, [0, 0]) }), TypeError, 'argument "dXl"', "must be f32");
    expectError(() => cross({ ...base, accumulate: 1 }), TypeError, 'argument "accumulate"', "boolean");
    cross(base);
    expect(Array.from(read(e, dY, 2))).toEqual([5, 12]);
    expect(Array.from(read(e, dX0, 2))).toEqual([20, 30]);
    const dXl = f32(e, 2);
    cross({ ...base, dXl, accumulate: true });
    expect(Array.from(read(e, dX0, 2))).toEqual([35, 54]);
    expect(Array.from(read(e, dXl, 2))).toEqual([5, 6]);
  });

  it("a valid call after all the rejected ones still computes", () => {
    const m = f32(e, [1, 2, 3, 4]);
    const c = f32(e, 4);
    gemm({ ...good, a: m, b: m, c });
    expect(Array.from(read(e, c, 4))).toEqual([7, 10, 15, 22]);
  });
});

describeNative("engine construction and receivers", () => {
  it("needs new, one boolean, and a real engine as `this`", () => {
    const { Engine } = addon();
    expectError(() => (Engine as unknown as (lazy: boolean) => unknown)(true), TypeError, "without 'new'");
    expectError(() => new (Engine as unknown as new () => unknown)(), TypeError, "Engine", "0 arguments");
    expectError(() => new (Engine as unknown as new (x: unknown) => unknown)("lazy"), TypeError, 'argument "lazy"');
    const gemm = (Engine.prototype as unknown as Record<string, (a: unknown) => void>)["gemm"]!;
    expectError(() => gemm.call({}, {}), TypeError, "Illegal invocation");
  });

  it("setThreads checks its count", () => {
    expectError(() => addon().setThreads(0), RangeError, 'argument "n"');
    expectError(() => addon().setThreads(1.5), RangeError, 'argument "n"');
    expectError(() => addon().setThreads(65), RangeError, 'argument "n"');
  });
});

describeNative("memory calls", () => {
  it("alloc checks size, dtype and label", () => {
    const e = engine();
    expectError(() => e.alloc(-1, "f32", "w"), RangeError, "alloc(w)", 'argument "size"');
    expectError(() => e.alloc(NaN, "f32", "w"), RangeError, 'argument "size"');
    expectError(() => e.alloc(2 ** 31, "f32", "w"), RangeError, 'argument "size"');
    expectError(() => e.alloc(4, "f64" as "f32", "w"), TypeError, 'argument "dtype"');
    expectError(() => (e.alloc as (...a: unknown[]) => number)(4, "f32"), TypeError, "alloc", "3 arguments");
  });

  it("write checks kind, detached buffers, offset and length; byte-offset views write the right elements", () => {
    const e = engine();
    const t = e.alloc(4, "f32", "t");
    expectError(() => e.write(t, new Int32Array(4), 0), TypeError, 'argument "data"', "Float32Array");
    expectError(() => e.write(t, new Float64Array(4) as unknown as Float32Array, 0), TypeError, 'argument "data"');
    expectError(() => e.write(t, [1, 2] as unknown as Float32Array, 0), TypeError, 'argument "data"', "plain array");
    expectError(() => e.write(t, new Float32Array(3), 2), RangeError, 'argument "data"', "do not fit");
    expectError(() => e.write(t, new Float32Array(1), 1.5), RangeError, 'argument "offset"');
    expectError(() => e.write(t, new Float32Array(1), -1), RangeError, 'argument "offset"');
    const buf = new ArrayBuffer(16);
    const view = new Float32Array(buf);
    structuredClone(buf, { transfer: [buf] });
    expectError(() => e.write(t, view, 0), TypeError, 'argument "data"', "detached");
    const base = Float32Array.from([9, 1, 2, 3, 4, 9]);
    e.write(t, base.subarray(1, 5), 0);
    expect(Array.from(read(e, t, 4))).toEqual([1, 2, 3, 4]);
  });

  it("read checks the output array's kind and length", () => {
    const e = engine();
    const t = e.alloc(4, "i32", "t");
    expectError(() => e.read(t, new Float32Array(4) as unknown as Int32Array), TypeError, 'argument "out"');
    expectError(() => e.read(t, new Int32Array(3)), RangeError, 'argument "out"');
  });

  it("use after free and use after dispose throw, naming the tensor or the backend", () => {
    const e = engine();
    const t = f32(e, 4);
    e.free(t);
    expectError(() => e.write(t, new Float32Array(4), 0), Error, 'argument "t"', "freed");
    expectError(() => op(e, "reluForward")({ x: t, y: t, size: 4 }), Error, 'argument "x"', "freed");
    expectError(() => e.free(t), Error, "freed");
    e.dispose();
    expectError(() => e.alloc(1, "f32", "late"), Error, "disposed");
    expectError(() => op(e, "fill")({ t, value: 0 }), Error, "disposed");
  });

  it("fill rejects non-integers for i32 tensors", () => {
    const e = engine();
    const t = i32(e, [0, 0]);
    expectError(() => op(e, "fill")({ t, value: 1.5 }), TypeError, 'argument "value"');
    expectError(() => op(e, "fill")({ t, value: 2 ** 40 }), RangeError, 'argument "value"');
  });
});

describeNative("sparse batches reaching a kernel", () => {
  const B = 2;
  const D = 2;
  /** One table of 4 rows; bags (0: rows 0, 1) (1: row 3). */
  function setup(indices: number[], offsets: number[]) {
    const e = engine();
    const table = f32(e, [0, 1, 2, 3, 4, 5, 6, 7], "table");
    const sparse = {
      indices: i32(e, indices, "indices"),
      offsets: i32(e, offsets, "offsets"),
      uniqueRows: i32(e, [0, 1, 3], "uniqueRows"),
      tableUniqueOffsets: i32(e, [0, 3], "tuo"),
      csrOffsets: i32(e, [0, 1, 2, 3], "csrOffsets"),
      csrBags: i32(e, [0, 0, 1], "csrBags"),
    };
    const pooled = f32(e, B * D, "pooled");
    const fwd = () => op(e, "embeddingBagsForward")({ tables: [table], sparse, pooled, batchSize: B, dim: D });
    return { e, table, sparse, pooled, fwd };
  }

  it("a valid batch pools, and an empty bag gives zeros", () => {
    const { e, pooled, fwd } = setup([0, 1, 3], [0, 2, 3]);
    fwd();
    expect(Array.from(read(e, pooled, 4))).toEqual([2, 4, 6, 7]);
    const empty = setup([0], [0, 0, 0]);
    empty.fwd();
    expect(Array.from(read(empty.e, empty.pooled, 4))).toEqual([0, 0, 0, 0]);
  });

  it.each([
    ["index == rows", [0, 1, 4]],
    ["index = 2^31 - 1", [0, 1, 2 ** 31 - 1]],
    ["index = 2^32 - 1 (as i32: -1)", [0, 1, 2 ** 32 - 1]],
    ["index = -1", [0, -1, 3]],
  ])("%s is rejected before the kernel runs, pooled untouched", (_n, indices) => {
    const { e, pooled, fwd } = setup(indices, [0, 2, 3]);
    expectError(fwd, RangeError, "sparse.indices", "out of range for table 0 (4 rows)");
    expect(Array.from(read(e, pooled, 4))).toEqual([0, 0, 0, 0]);
  });

  it.each([
    ["offsets not starting at 0", [1, 2, 3], "sparse.offsets[0] must be 0"],
    ["offsets not monotone", [0, 3, 2], "sparse.offsets decreases"],
    ["offsets past the end", [0, 2, 9], "sparse.offsets ends at 9"],
  ])("%s is rejected", (_n, offsets, msg) => {
    const { fwd } = setup([0, 1, 3], offsets);
    expectError(fwd, RangeError, msg);
  });

  it("too few offsets for T*B + 1 bags names sparse.offsets", () => {
    const { e, table, sparse, pooled } = setup([0, 1, 3], [0, 2, 3]);
    expectError(
      () => op(e, "embeddingBagsForward")({ tables: [table], sparse, pooled, batchSize: 3, dim: D }),
      RangeError,
      "sparse.offsets",
    );
  });

  it("a table whose size is not a multiple of dim, or a missing table list, is rejected", () => {
    const { e, table, sparse, pooled } = setup([0, 1, 3], [0, 2, 3]);
    const odd = f32(e, 3);
    expectError(
      () => op(e, "embeddingBagsForward")({ tables: [odd], sparse, pooled, batchSize: B, dim: D }),
      RangeError,
      'argument "tables[0]"',
    );
    expectError(
      () => op(e, "embeddingBagsForward")({ tables: odd, sparse, pooled, batchSize: B, dim: D }),
      TypeError,
      'argument "tables"',
    );
    expectError(
      () => op(e, "embeddingBagsForward")({ tables: [table], sparse: null, pooled, batchSize: B, dim: D }),
      TypeError,
      'argument "sparse"',
    );
  });

  it("CSR problems and out-of-range unique rows are rejected by the backward ops", () => {
    const { e, table, sparse } = setup([0, 1, 3], [0, 2, 3]);
    const dPooled = f32(e, B * D);
    const dRows = f32(e, 3 * D);
    const bwd = (s: object) =>
      op(
        e,
        "embeddingBagsBackward",
      )({ dPooled, sparse: { ...sparse, ...s }, dRows, batchSize: B, dim: D, numTables: 1 });
    expectError(() => bwd({ csrBags: i32(e, [0, 0, 2]) }), RangeError, "sparse.csrBags[2] = 2");
    expectError(() => bwd({ csrOffsets: i32(e, [0, 2, 1, 3]) }), RangeError, "sparse.csrOffsets");
    expectError(() => bwd({ tableUniqueOffsets: i32(e, [1, 3]) }), RangeError, "sparse.tableUniqueOffsets[0]");
    expectError(() => bwd({ tableUniqueOffsets: i32(e, [0, 9]) }), RangeError, "sparse.tableUniqueOffsets ends at 9");
    const small = f32(e, D);
    expectError(
      () => op(e, "embeddingBagsBackward")({ dPooled, sparse, dRows: small, batchSize: B, dim: D, numTables: 1 }),
      RangeError,
      'argument "dRows"',
    );
    const sgd = (s: object) =>
      op(e, "sparseSgdStep")({ tables: [table], sparse: { ...sparse, ...s }, dRows, lr: 0.1, dim: D, numTables: 1 });
    expectError(() => sgd({ uniqueRows: i32(e, [0, 1, 4]) }), RangeError, "sparse.uniqueRows[2] = 4", "(4 rows)");
    expectError(
      () => op(e, "sparseSgdStep")({ tables: [table, table], sparse, dRows, lr: 0.1, dim: D, numTables: 1 }),
      RangeError,
      'argument "tables"',
      "numTables is 1",
    );
    const acc = f32(e, 4);
    expectError(
      () =>
        op(
          e,
          "sparseAdagradStep",
        )({ tables: [table], accs: [acc], sparse, dRows, lr: 0.1, eps: 1e-10, dim: D, numTables: 1, rowWise: false }),
      RangeError,
      'argument "accs[0]"',
    );
  });

  it("in lazy mode a bad index rejects read() and sync() with the op's message, and the engine recovers", async () => {
    const e = engine(true);
    const table = f32(e, [0, 1, 2, 3], "table");
    const sparse = {
      indices: i32(e, [7]),
      offsets: i32(e, [0, 1]),
      uniqueRows: i32(e, [0]),
      tableUniqueOffsets: i32(e, [0, 1]),
      csrOffsets: i32(e, [0, 1]),
      csrBags: i32(e, [0]),
    };
    const pooled = f32(e, 2);
    op(e, "embeddingBagsForward")({ tables: [table], sparse, pooled, batchSize: 1, dim: 2 });
    e.markStep();
    await expect(e.sync()).rejects.toThrow(/embeddingBagsForward: sparse.indices\[0\] = 7 is out of range/);
    e.write(sparse.indices, Int32Array.from([1]), 0);
    op(e, "embeddingBagsForward")({ tables: [table], sparse, pooled, batchSize: 1, dim: 2 });
    e.markStep();
    await e.sync();
    expect(Array.from(read(e, pooled, 2))).toEqual([2, 3]);
  });
});
