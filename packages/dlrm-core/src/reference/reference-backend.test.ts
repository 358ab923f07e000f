/**
 * Unit tests of the reference backend against small cases computed by hand (or by an
 * independent float64 formula): every op, both loss functions with and without threshold,
 * large |logit|, Adagrad steps, argument validation, use after free and lazy mode.
 */
import { describe, expect, it } from "vitest";
import type { Backend, Tensor } from "../backend.js";
import { buildSparseBatch } from "../data/sparse-batch.js";
import { ReferenceBackend, referenceBackendFactory } from "./index.js";

const f32 = (be: Backend, shape: number[], values: number[]): Tensor => {
  const t = be.alloc(shape, "f32");
  be.write(t, Float32Array.from(values));
  return t;
};
const i32 = (be: Backend, values: ArrayLike<number>): Tensor => {
  const t = be.alloc([values.length], "i32");
  be.write(t, Int32Array.from(values));
  return t;
};
const values = async (be: Backend, t: Tensor): Promise<number[]> => Array.from(await be.read(t));

describe("gemm", () => {
  // A (2x3) = [[1,2,3],[4,5,6]], B (3x2) = [[7,8],[9,10],[11,12]]: A*B = [[58,64],[139,154]].
  const A = [1, 2, 3, 4, 5, 6];
  const At = [1, 4, 2, 5, 3, 6];
  const Bm = [7, 8, 9, 10, 11, 12];
  const Bt = [7, 9, 11, 8, 10, 12];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, alpha 2, beta 0.5 accumulates`, async () => {
        const be = new ReferenceBackend();
        const a = f32(be, transA ? [3, 2] : [2, 3], transA ? At : A);
        const b = f32(be, transB ? [2, 3] : [3, 2], transB ? Bt : Bm);
        const c = f32(be, [2, 2], [1, 2, 3, 4]);
        be.gemm({ a, b, c, m: 2, n: 2, k: 3, transA, transB, alpha: 2, beta: 0.5 });
        expect(await values(be, c)).toEqual([116.5, 129, 279.5, 310]);
      });
      it(`transA=${transA} transB=${transB}, beta 0 ignores NaN in C`, async () => {
        const be = new ReferenceBackend();
        const a = f32(be, transA ? [3, 2] : [2, 3], transA ? At : A);
        const b = f32(be, transB ? [2, 3] : [3, 2], transB ? Bt : Bm);
        const c = f32(be, [2, 2], [NaN, NaN, NaN, NaN]);
        be.gemm({ a, b, c, m: 2, n: 2, k: 3, transA, transB, alpha: 1, beta: 0 });
        expect(await values(be, c)).toEqual([58, 64, 139, 154]);
      });
    }
  }

  it("accumulates in float64 and rounds once", async () => {
    const be = new ReferenceBackend();
    // 2^24 + 1 + 1 - 2^24 is 2 in float64 but 0 with float32 accumulation.
    const a = f32(be, [1, 4], [2 ** 24, 1, 1, -(2 ** 24)]);
    const b = f32(be, [4, 1], [1, 1, 1, 1]);
    const c = be.alloc([1, 1], "f32");
    be.gemm({ a, b, c, m: 1, n: 1, k: 4, transA: false, transB: false, alpha: 1, beta: 0 });
    expect(await values(be, c)).toEqual([2]);
  });

  it("rejects an unknown precision", () => {
    const be = new ReferenceBackend();
    const a = f32(be, [1, 1], [1]);
    expect(() =>
      be.gemm({
        a,
        b: a,
        c: a,
        m: 1,
        n: 1,
        k: 1,
        transA: false,
        transB: false,
        alpha: 1,
        beta: 0,
        precision: "fp8" as never,
      }),
    ).toThrow(`gemm: argument "precision" must be one of "fp32", "bf16", got "fp8"`);
  });
});

describe("bias and relu", () => {
  it("biasAddForward accumulates, biasAddBackward overwrites with row sums", async () => {
    const be = new ReferenceBackend();
    const y = f32(be, [2, 3], [1, 2, 3, 4, 5, 6]);
    const bias = f32(be, [3], [10, 20, 30]);
    be.biasAddForward({ y, bias, rows: 2, cols: 3 });
    expect(await values(be, y)).toEqual([11, 22, 33, 14, 25, 36]);
    const dBias = f32(be, [3], [NaN, NaN, NaN]);
    be.biasAddBackward({ dY: y, dBias, rows: 2, cols: 3 });
    expect(await values(be, dBias)).toEqual([25, 47, 69]);
  });

  it("reluForward and reluBackward, in place", async () => {
    const be = new ReferenceBackend();
    const x = f32(be, [5], [-1, 0, 2, -0.5, 3]);
    be.reluForward({ x, y: x, size: 5 });
    expect(await values(be, x)).toEqual([0, 0, 2, 0, 3]);
    const dY = f32(be, [5], [1, 2, 3, 4, 5]);
    be.reluBackward({ y: x, dY, dX: dY, size: 5 });
    expect(await values(be, dY)).toEqual([0, 0, 3, 0, 5]);
  });
});

describe("embedding bags", () => {
  // T = 2 tables (3 and 4 rows), D = 2, B = 2. Table 0: bags [0, 2, 0] and []; table 1: [3] and [1, 3].
  const tableRows = [3, 4];
  const host = buildSparseBatch(
    { indices: Int32Array.from([0, 2, 0, 3, 1, 3]), offsets: Int32Array.from([0, 3, 3, 4, 6]) },
    tableRows,
    2,
  );
  const setup = (be: Backend) => {
    const t0 = f32(be, [3, 2], [1, 2, 3, 4, 5, 6]);
    const t1 = f32(be, [4, 2], [10, 20, 30, 40, 50, 60, 70, 80]);
    const sparse = {
      indices: i32(be, host.indices),
      offsets: i32(be, host.offsets),
      uniqueRows: i32(be, [...host.uniqueRows, -5, 99]),
      tableUniqueOffsets: i32(be, host.tableUniqueOffsets),
      csrOffsets: i32(be, [...host.csrOffsets, 7, -1]),
      csrBags: i32(be, host.csrBags),
    };
    return { t0, t1, sparse };
  };

  it("forward sums rows per bag; an empty bag gives zeros", async () => {
    const be = new ReferenceBackend();
    const { t0, t1, sparse } = setup(be);
    const pooled = f32(be, [2, 4], Array(8).fill(NaN));
    be.embeddingBagsForward({ tables: [t0, t1], sparse, pooled, batchSize: 2, dim: 2 });
    // sample 0: t0 rows 0+2+0 = [7, 10], t1 row 3 = [70, 80]; sample 1: t0 empty, t1 rows 1+3 = [100, 120].
    expect(await values(be, pooled)).toEqual([7, 10, 70, 80, 0, 0, 100, 120]);
  });

  it("backward sums per unique row and leaves rows >= U untouched", async () => {
    const be = new ReferenceBackend();
    const { sparse } = setup(be);
    const dPooled = f32(be, [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const dRows = f32(be, [6, 2], Array(12).fill(NaN));
    be.embeddingBagsBackward({ dPooled, sparse, dRows, batchSize: 2, dim: 2, numTables: 2 });
    // unique: t0 rows 0 (bag 0 twice), 2 (bag 0); t1 rows 1 (bag 1), 3 (bags 0 and 1).
    const got = await values(be, dRows);
    expect(got.slice(0, 8)).toEqual([2, 4, 1, 2, 7, 8, 10, 12]);
    expect(got.slice(8).every(Number.isNaN)).toBe(true);
  });

  it("weighted forward scales each row by its table's row weight", async () => {
    const be = new ReferenceBackend();
    const { t0, t1, sparse } = setup(be);
    const rowWeights = [f32(be, [3], [2, 0.5, -1]), f32(be, [4], [1, 3, 0.25, 10])];
    const pooled = f32(be, [2, 4], Array(8).fill(NaN));
    be.embeddingBagsForward({ tables: [t0, t1], sparse, pooled, batchSize: 2, dim: 2, rowWeights });
    // sample 0: t0 2*[1, 2] - [5, 6] + 2*[1, 2], t1 10*[70, 80]; sample 1: t0 empty, t1 3*[30, 40] + 10*[70, 80].
    expect(await values(be, pooled)).toEqual([-1, 2, 700, 800, 0, 0, 790, 920]);
  });

  it("weighted backward scales the row sums and writes one dot product per unique row", async () => {
    const be = new ReferenceBackend();
    const { t0, t1, sparse } = setup(be);
    const rowWeights = [f32(be, [3], [2, 0.5, -1]), f32(be, [4], [1, 3, 0.25, 10])];
    const dPooled = f32(be, [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const dRows = f32(be, [6, 2], Array(12).fill(NaN));
    const dRowWeights = f32(be, [6], Array(6).fill(NaN));
    be.embeddingBagsBackward({
      dPooled,
      sparse,
      dRows,
      batchSize: 2,
      dim: 2,
      numTables: 2,
      rowWeights,
      tables: [t0, t1],
      dRowWeights,
    });
    // unweighted sums G: t0 rows 0 [2, 4], 2 [1, 2]; t1 rows 1 [7, 8], 3 [10, 12]; dRows = w[r] G.
    const got = await values(be, dRows);
    expect(got.slice(0, 8)).toEqual([4, 8, -1, -2, 21, 24, 100, 120]);
    expect(got.slice(8).every(Number.isNaN)).toBe(true);
    // dRowWeights[u] = G[u] . E[r]: [2, 4].[1, 2], [1, 2].[5, 6], [7, 8].[30, 40], [10, 12].[70, 80].
    const dW = await values(be, dRowWeights);
    expect(dW.slice(0, 4)).toEqual([10, 17, 530, 1660]);
    expect(dW.slice(4).every(Number.isNaN)).toBe(true);
  });

  it("weighted backward needs rowWeights, tables and dRowWeights together", () => {
    const be = new ReferenceBackend();
    const { t0, t1, sparse } = setup(be);
    const dPooled = f32(be, [2, 4], Array(8).fill(0));
    const dRows = f32(be, [6, 2], Array(12).fill(0));
    const args = { dPooled, sparse, dRows, batchSize: 2, dim: 2, numTables: 2, tables: [t0, t1] };
    expect(() => be.embeddingBagsBackward(args)).toThrow(/argument "rowWeights" is missing/);
    const short = [f32(be, [2], [1, 1]), f32(be, [4], [1, 1, 1, 1])];
    const dRowWeights = f32(be, [6], Array(6).fill(0));
    expect(() => be.embeddingBagsBackward({ ...args, rowWeights: short, dRowWeights })).toThrow(
      /"rowWeights\[0\]" has 2 elements, table 0 has 3 rows/,
    );
  });

  it("a sparse Adagrad step of dim 1 on row weights equals torch's dense Adagrad on the zero-filled gradient", async () => {
    const be = new ReferenceBackend();
    const { sparse } = setup(be);
    const init = [0.5, -2, 1.25];
    const sparseW = [f32(be, [3, 1], init), f32(be, [4, 1], [1, 1, 1, 1])];
    const accs = [f32(be, [3, 1], [0.1, 0, 0.3]), f32(be, [4, 1], [0, 0, 0, 0])];
    // t0's unique slots are rows 0 and 2: dRowWeights [0.7, -0.4]; t1's are ignored here.
    const dRowWeights = f32(be, [6, 1], [0.7, -0.4, 0.2, 0.9, 0, 0]);
    be.sparseAdagradStep({
      tables: sparseW,
      accs,
      sparse,
      dRows: dRowWeights,
      lr: 0.1,
      eps: 1e-10,
      dim: 1,
      numTables: 2,
      rowWise: false,
    });
    const denseW = f32(be, [3], init);
    const denseAcc = f32(be, [3], [0.1, 0, 0.3]);
    const grad = f32(be, [3], [0.7, 0, -0.4]);
    be.adagradStep({ param: denseW, grad, acc: denseAcc, lr: 0.1, eps: 1e-10, size: 3 });
    expect(await values(be, sparseW[0]!)).toEqual(await values(be, denseW));
    expect(await values(be, accs[0]!)).toEqual(await values(be, denseAcc));
  });

  it("sparse SGD and both sparse Adagrads update exactly the unique rows", async () => {
    const be = new ReferenceBackend();
    const { t0, t1, sparse } = setup(be);
    const dRows = f32(be, [6, 2], [2, 4, 1, 2, 7, 8, 10, 12, 999, 999, 999, 999]);
    be.sparseSgdStep({ tables: [t0, t1], sparse, dRows, lr: 0.5, dim: 2, numTables: 2 });
    expect(await values(be, t0)).toEqual([0, 0, 3, 4, 4.5, 5]);
    expect(await values(be, t1)).toEqual([10, 20, 26.5, 36, 50, 60, 65, 74]);

    const accE = [f32(be, [3, 2], Array(6).fill(0)), f32(be, [4, 2], Array(8).fill(0))];
    be.sparseAdagradStep({
      tables: [t0, t1],
      accs: accE,
      sparse,
      dRows,
      lr: 1,
      eps: 0,
      dim: 2,
      numTables: 2,
      rowWise: false,
    });
    // acc = g^2, so each touched element moves by -sign(g) * lr.
    expect(await values(be, accE[0]!)).toEqual([4, 16, 0, 0, 1, 4]);
    expect(await values(be, t0)).toEqual([-1, -1, 3, 4, 3.5, 4]);

    const accR = [f32(be, [3, 1], [0, 0, 0]), f32(be, [4, 1], [0, 0, 0, 0])];
    be.sparseAdagradStep({
      tables: [t0, t1],
      accs: accR,
      sparse,
      dRows,
      lr: 1,
      eps: 0,
      dim: 2,
      numTables: 2,
      rowWise: true,
    });
    // row 0 of t0: g = [2, 4], acc = (4 + 16) / 2 = 10.
    expect(await values(be, accR[0]!)).toEqual([10, 0, 2.5]);
    const w = await values(be, t0);
    expect(w[0]).toBeCloseTo(-1 - 2 / Math.sqrt(10), 6);
    expect(w[1]).toBeCloseTo(-1 - 4 / Math.sqrt(10), 6);
    expect(w.slice(2, 4)).toEqual([3, 4]);
  });
});

describe("interaction", () => {
  // B = 1, D = 2, T = 2: x = [1, 2], e1 = [3, 4], e2 = [5, 6].
  const setup = (be: Backend) => ({ x: f32(be, [1, 2], [1, 2]), pooled: f32(be, [1, 4], [3, 4, 5, 6]) });

  it("dot without self-interaction: (1,0), (2,0), (2,1)", async () => {
    const be = new ReferenceBackend();
    const { x, pooled } = setup(be);
    const out = f32(be, [1, 5], Array(5).fill(NaN));
    be.interactionForward({ x, pooled, out, batchSize: 1, dim: 2, numTables: 2, op: "dot", itself: false });
    expect(await values(be, out)).toEqual([1, 2, 11, 17, 39]);
  });

  it("dot with self-interaction: (0,0), (1,0), (1,1), (2,0), (2,1), (2,2)", async () => {
    const be = new ReferenceBackend();
    const { x, pooled } = setup(be);
    const out = f32(be, [1, 8], Array(8).fill(NaN));
    be.interactionForward({ x, pooled, out, batchSize: 1, dim: 2, numTables: 2, op: "dot", itself: true });
    expect(await values(be, out)).toEqual([1, 2, 5, 11, 25, 17, 39, 61]);
  });

  it("cat concatenates", async () => {
    const be = new ReferenceBackend();
    const { x, pooled } = setup(be);
    const out = f32(be, [1, 6], Array(6).fill(NaN));
    be.interactionForward({ x, pooled, out, batchSize: 1, dim: 2, numTables: 2, op: "cat", itself: false });
    expect(await values(be, out)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("dot backward by hand", async () => {
    const be = new ReferenceBackend();
    const { x, pooled } = setup(be);
    const dOut = f32(be, [1, 5], [1, 1, 0.5, -1, 2]);
    const dX = f32(be, [1, 2], [NaN, NaN]);
    const dPooled = f32(be, [1, 4], Array(4).fill(NaN));
    be.interactionBackward({
      x,
      pooled,
      dOut,
      dX,
      dPooled,
      batchSize: 1,
      dim: 2,
      numTables: 2,
      op: "dot",
      itself: false,
    });
    // dx = [1,1] + 0.5 e1 - e2; de1 = 0.5 x + 2 e2; de2 = -x + 2 e1.
    expect(await values(be, dX)).toEqual([-2.5, -3]);
    expect(await values(be, dPooled)).toEqual([10.5, 13, 5, 6]);
  });

  it("dot backward of a diagonal term is 2 g z", async () => {
    const be = new ReferenceBackend();
    const x = f32(be, [1, 2], [1, 2]);
    const pooled = f32(be, [1, 2], [3, 4]);
    const dOut = f32(be, [1, 5], [0, 0, 1, 0, 3]);
    const dX = f32(be, [1, 2], [NaN, NaN]);
    const dPooled = f32(be, [1, 2], [NaN, NaN]);
    be.interactionBackward({
      x,
      pooled,
      dOut,
      dX,
      dPooled,
      batchSize: 1,
      dim: 2,
      numTables: 1,
      op: "dot",
      itself: true,
    });
    expect(await values(be, dX)).toEqual([2, 4]);
    expect(await values(be, dPooled)).toEqual([18, 24]);
  });

  it("cat backward splits dOut", async () => {
    const be = new ReferenceBackend();
    const { x, pooled } = setup(be);
    const dOut = f32(be, [1, 6], [1, 2, 3, 4, 5, 6]);
    const dX = f32(be, [1, 2], [NaN, NaN]);
    const dPooled = f32(be, [1, 4], Array(4).fill(NaN));
    be.interactionBackward({
      x,
      pooled,
      dOut,
      dX,
      dPooled,
      batchSize: 1,
      dim: 2,
      numTables: 2,
      op: "cat",
      itself: false,
    });
    expect(await values(be, dX)).toEqual([1, 2]);
    expect(await values(be, dPooled)).toEqual([3, 4, 5, 6]);
  });
});

describe("loss", () => {
  const naiveBce = (z: number, y: number): number => {
    const p = 1 / (1 + Math.exp(-z));
    return -(y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log(1 - p), -100));
  };
  const run = async (logits: number[], targets: number[], loss: "bce" | "mse", threshold: number) => {
    const be = new ReferenceBackend();
    const B = logits.length;
    const z = f32(be, [B], logits);
    const y = f32(be, [B], targets);
    const probs = f32(be, [B], Array(B).fill(NaN));
    const stats = f32(be, [3], [1, 2, 3]);
    const dLogits = f32(be, [B], Array(B).fill(NaN));
    be.lossForward({ logits: z, targets: y, probs, stats, batchSize: B, loss, threshold });
    be.lossBackward({ logits: z, targets: y, dLogits, batchSize: B, loss, threshold });
    return { probs: await values(be, probs), stats: await values(be, stats), dLogits: await values(be, dLogits) };
  };

  it("bce agrees with sigmoid + clamped log where p is not saturated", async () => {
    const zs = [-3, -0.7, 0.3, 2.5, 8];
    const ys = [0, 1, 1, 0, 1];
    const r = await run(zs, ys, "bce", 0);
    const want = zs.reduce((s, z, i) => s + naiveBce(z, ys[i]!), 0);
    expect(r.stats[0]).toBeCloseTo(1 + want, 5);
    r.probs.forEach((p, i) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-zs[i]!)), 7));
    r.dLogits.forEach((d, i) => expect(d).toBeCloseTo((1 / (1 + Math.exp(-zs[i]!)) - ys[i]!) / 5, 7));
  });

  it("bce at large |logit| is computed from the logit, each log clamped at -100", async () => {
    const r = await run([50, 200, -200, 200, -50], [0, 0, 1, 1, 0], "bce", 0);
    // softplus(50) = 50 (not the 100 that log(1 - fl(p)) would give); 200 clamps to 100.
    expect(r.stats[0]).toBeCloseTo(1 + 50 + 100 + 100 + 0 + 0, 4);
    expect(r.probs.slice(0, 4)).toEqual([1, 1, 0, 1]);
    expect(r.probs[4]).toBe(Math.fround(Math.exp(-50) / (1 + Math.exp(-50))));
    expect(r.dLogits.slice(0, 4)).toEqual([0.2, 0.2, -0.2, 0].map(Math.fround));
    expect(r.dLogits[4]).toBeCloseTo(0, 20);
  });

  it("accuracy uses round half to even: p = 0.5 counts as 0", async () => {
    const r = await run([0, 0, 1, -1], [0, 1, 1, 1], "bce", 0);
    expect(r.stats[1]).toBe(2 + 2);
    expect(r.stats[2]).toBe(3 + 4);
  });

  it("bce with threshold clamps p and zeroes the gradient where clamped", async () => {
    const r = await run([5, 0.1, -5], [1, 0, 1], "bce", 0.1);
    expect(r.probs[0]).toBeCloseTo(0.9, 7);
    expect(r.probs[2]).toBeCloseTo(0.1, 7);
    const p1 = 1 / (1 + Math.exp(-0.1));
    expect(r.stats[0]).toBeCloseTo(1 - Math.log(0.9) - Math.log(1 - p1) - Math.log(0.1), 5);
    expect(r.dLogits[0]).toBe(0);
    expect(r.dLogits[2]).toBe(0);
    expect(r.dLogits[1]).toBeCloseTo(p1 / 3, 7);
  });

  it("mse with and without threshold", async () => {
    const plain = await run([0.5, -2], [1, 0], "mse", 0);
    const p = [0.5, -2].map((z) => 1 / (1 + Math.exp(-z)));
    expect(plain.stats[0]).toBeCloseTo(1 + (p[0]! - 1) ** 2 + p[1]! ** 2, 6);
    expect(plain.dLogits[0]).toBeCloseTo((2 * (p[0]! - 1) * p[0]! * (1 - p[0]!)) / 2, 7);
    expect(plain.dLogits[1]).toBeCloseTo((2 * p[1]! * p[1]! * (1 - p[1]!)) / 2, 7);
    const clamped = await run([0.5, -200], [1, 0], "mse", 0.05);
    expect(clamped.probs[1]).toBeCloseTo(0.05, 7);
    expect(clamped.stats[0]).toBeCloseTo(1 + (p[0]! - 1) ** 2 + 0.05 ** 2, 6);
    expect(clamped.dLogits[1]).toBe(0);
  });
});

describe("optimizers and fill", () => {
  it("sgdStep", async () => {
    const be = new ReferenceBackend();
    const param = f32(be, [3], [1, 2, 3]);
    be.sgdStep({ param, grad: f32(be, [3], [1, -2, 0.5]), lr: 0.5, size: 3 });
    expect(await values(be, param)).toEqual([0.5, 3, 2.75]);
  });

  it("adagradStep one step by hand; zero gradient leaves acc 0 and param unchanged", async () => {
    const be = new ReferenceBackend();
    const param = f32(be, [3], [1, 2, 3]);
    const acc = f32(be, [3], [0, 0, 0.75]);
    be.adagradStep({ param, grad: f32(be, [3], [0.5, 0, 0.5]), acc, lr: 0.1, eps: 1e-10, size: 3 });
    expect(await values(be, acc)).toEqual([0.25, 0, 1]);
    const p = await values(be, param);
    expect(p[0]).toBe(Math.fround(1 - 0.1));
    expect(p[1]).toBe(2);
    expect(p[2]).toBe(Math.fround(3 - 0.05));
  });

  it("fusedAdagradStep equals adagradStep on each tensor", async () => {
    const be = new ReferenceBackend();
    const params = [f32(be, [2], [1, 2]), f32(be, [1], [3])];
    const grads = [f32(be, [2], [0.3, -0.7]), f32(be, [1], [0.2])];
    const accs = [f32(be, [2], [0.1, 0]), f32(be, [1], [0])];
    be.fusedAdagradStep({ params, grads, accs, lr: 0.01, eps: 1e-10 });
    const want = [
      [1, 0.3, 0.1],
      [2, -0.7, 0],
      [3, 0.2, 0],
    ].map(([w, g, a]) => {
      const acc = Math.fround(a! + g! * g!);
      return Math.fround(w! - (0.01 * g!) / (Math.sqrt(acc) + 1e-10));
    });
    expect([...(await values(be, params[0]!)), ...(await values(be, params[1]!))]).toEqual(want);
  });

  it("fill overwrites; an i32 fill needs an integer", async () => {
    const be = new ReferenceBackend();
    const t = f32(be, [3], [1, 2, 3]);
    be.fill({ t, value: -1.5 });
    expect(await values(be, t)).toEqual([-1.5, -1.5, -1.5]);
    const k = be.alloc([2], "i32");
    be.fill({ t: k, value: 7 });
    expect(await values(be, k)).toEqual([7, 7]);
    expect(() => be.fill({ t: k, value: 0.5 })).toThrow(/integer/);
  });

  it("linearForward equals gemm + biasAddForward + reluForward", async () => {
    const be = new ReferenceBackend();
    const x = f32(be, [2, 3], [1, -2, 3, 0.5, 0.25, -1]);
    const weight = f32(be, [2, 3], [0.1, 0.2, 0.3, -0.4, 0.5, -0.6]);
    const bias = f32(be, [2], [0.05, -0.1]);
    const y = f32(be, [2, 2], Array(4).fill(NaN));
    be.linearForward({ x, weight, bias, y, batchSize: 2, inFeatures: 3, outFeatures: 2, activation: "relu" });
    const want = [
      [1, -2, 3].reduce((s, v, j) => s + v * [0.1, 0.2, 0.3][j]!, 0.05),
      [1, -2, 3].reduce((s, v, j) => s + v * [-0.4, 0.5, -0.6][j]!, -0.1),
      [0.5, 0.25, -1].reduce((s, v, j) => s + v * [0.1, 0.2, 0.3][j]!, 0.05),
      [0.5, 0.25, -1].reduce((s, v, j) => s + v * [-0.4, 0.5, -0.6][j]!, -0.1),
    ].map((v) => Math.max(v, 0));
    (await values(be, y)).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });
});

describe("validation, memory and modes", () => {
  it("info", () => {
    expect(new ReferenceBackend().info).toEqual({
      name: "reference",
      device: "host CPU (plain TypeScript, float64 accumulation)",
      deterministic: true,
      precisions: ["fp32", "bf16"],
    });
  });

  it("read returns a copy", async () => {
    const be = new ReferenceBackend();
    const t = f32(be, [2], [1, 2]);
    const first = await be.read(t);
    first[0] = 99;
    expect(await values(be, t)).toEqual([1, 2]);
  });

  it("use after free throws, naming the argument", async () => {
    const be = new ReferenceBackend();
    const t = f32(be, [2], [1, 2]);
    be.free(t);
    await expect(be.read(t)).rejects.toThrow(/freed/);
    expect(() => be.reluForward({ x: t, y: t, size: 2 })).toThrow(/"x".*freed/);
  });

  it("too-small tensors and wrong dtypes are rejected by name", () => {
    const be = new ReferenceBackend();
    const a = f32(be, [2, 3], [1, 2, 3, 4, 5, 6]);
    const c = be.alloc([2, 2], "f32");
    expect(() =>
      be.gemm({ a, b: a, c, m: 2, n: 2, k: 3, transA: false, transB: false, alpha: 1, beta: 0 }),
    ).not.toThrow();
    expect(() => be.gemm({ a, b: c, c, m: 2, n: 2, k: 3, transA: false, transB: false, alpha: 1, beta: 0 })).toThrow(
      /"b"/,
    );
    const k = be.alloc([4], "i32");
    expect(() => be.sgdStep({ param: c, grad: k, lr: 1, size: 4 })).toThrow(/"grad" must be f32/);
    expect(() => be.write(c, new Float32Array(5))).toThrow(RangeError);
    expect(() => be.write(c, new Int32Array(4))).toThrow(TypeError);
  });

  it("a tensor of another backend is rejected", () => {
    const one = new ReferenceBackend();
    const two = new ReferenceBackend();
    const t = f32(one, [1], [1]);
    two.alloc([1], "f32");
    expect(() => two.fill({ t, value: 0 })).toThrow(/another backend/);
  });

  it("out-of-range indices are caught", () => {
    const be = new ReferenceBackend();
    const table = f32(be, [2, 1], [1, 2]);
    const sparse = {
      indices: i32(be, [2]),
      offsets: i32(be, [0, 1]),
      uniqueRows: i32(be, [2]),
      tableUniqueOffsets: i32(be, [0, 1]),
      csrOffsets: i32(be, [0, 1]),
      csrBags: i32(be, [0]),
    };
    const pooled = be.alloc([1, 1], "f32");
    expect(() => be.embeddingBagsForward({ tables: [table], sparse, pooled, batchSize: 1, dim: 1 })).toThrow(
      /sparse.indices\[0\] = 2/,
    );
  });

  it("dispose makes the backend unusable", () => {
    const be = new ReferenceBackend();
    be.dispose();
    expect(() => be.alloc([1], "f32")).toThrow(/disposed/);
  });

  it("the factory is always available and makes eager and lazy backends", async () => {
    expect(await referenceBackendFactory.unavailableReason()).toBeUndefined();
    const eager = await referenceBackendFactory.create();
    expect(eager.mode).toBe("eager");
    const lazy = await referenceBackendFactory.create({ mode: "lazy" });
    expect(lazy.mode).toBe("lazy");
    const t = lazy.alloc([2], "f32");
    lazy.write(t, Float32Array.from([-1, 4]));
    lazy.reluForward({ x: t, y: t, size: 2 });
    expect(Array.from(await lazy.read(t))).toEqual([0, 4]);
  });
});
