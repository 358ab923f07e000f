/**
 * Tests of the non-GEMM ops as this backend implements them: embedding bags and the fused
 * backward + sparse step against the unfused sequence, loss and interaction spot values,
 * the cross layer's element-wise part on exact spot values (with and without dXl), bad
 * device-side indices turned into errors with no write outside the tensors, lazy mode,
 * and dispose() letting the process exit with a worker running.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSparseBatch, type SparseBatchTensors, type Tensor } from "@dlrm/core";
import { WasmBackend } from "./backend.js";
import { wasmBackendFactory } from "./factory.js";

let be: WasmBackend;
beforeAll(async () => {
  be = await WasmBackend.create(1);
});
afterAll(() => be.dispose());

function f32(t: Tensor, values: number[]): Tensor {
  be.write(t, new Float32Array(values));
  return t;
}

async function readF32(t: Tensor): Promise<number[]> {
  return Array.from((await be.read(t)) as Float32Array);
}

/** Two tables (rows 3 and 2), B = 2, D = 5 (not a multiple of 4), repeated indices. */
function sparseFixture(): { sparse: SparseBatchTensors; tables: Tensor[]; numUnique: number } {
  const indices = new Int32Array([0, 2, 2, 1, 1, 1, 0]);
  const offsets = new Int32Array([0, 3, 4, 6, 7]);
  const host = buildSparseBatch({ indices, offsets }, [3, 2], 2);
  const tensor = (a: Int32Array): Tensor => {
    const t = be.alloc([a.length], "i32");
    be.write(t, a);
    return t;
  };
  const sparse: SparseBatchTensors = {
    indices: tensor(host.indices),
    offsets: tensor(host.offsets),
    uniqueRows: tensor(host.uniqueRows),
    tableUniqueOffsets: tensor(host.tableUniqueOffsets),
    csrOffsets: tensor(host.csrOffsets),
    csrBags: tensor(host.csrBags),
  };
  const tables = [3, 2].map((rows, t) =>
    f32(
      be.alloc([rows, 5], "f32"),
      Array.from({ length: rows * 5 }, (_, i) => (t + 1) * 10 + i),
    ),
  );
  return { sparse, tables, numUnique: host.numUnique };
}

describe("embedding bags", () => {
  it("pools sums per bag with D = 5 and repeated indices", async () => {
    const { sparse, tables } = sparseFixture();
    const pooled = be.alloc([2, 10], "f32");
    be.fill({ t: pooled, value: Number.NaN });
    be.embeddingBagsForward({ tables, sparse, pooled, batchSize: 2, dim: 5 });
    const got = await readF32(pooled);
    const t0 = (r: number, j: number): number => 10 + r * 5 + j;
    const t1 = (r: number, j: number): number => 20 + r * 5 + j;
    for (let j = 0; j < 5; j++) {
      expect(got[j]).toBe(t0(0, j) + 2 * t0(2, j));
      expect(got[5 + j]).toBe(2 * t1(1, j));
      expect(got[10 + j]).toBe(t0(1, j));
      expect(got[15 + j]).toBe(t1(0, j));
    }
  });

  for (const mode of ["sgd", "adagrad", "rowwise"] as const) {
    it(`fused backward + ${mode} step equals the unfused sequence bit for bit`, async () => {
      const runs: number[][] = [];
      for (const fused of [false, true]) {
        const { sparse, tables, numUnique } = sparseFixture();
        const accs =
          mode === "sgd"
            ? undefined
            : [3, 2].map((rows) => {
                const acc = be.alloc(mode === "rowwise" ? [rows, 1] : [rows, 5], "f32");
                be.fill({ t: acc, value: 0.25 });
                return acc;
              });
        const dPooled = f32(
          be.alloc([2, 10], "f32"),
          Array.from({ length: 20 }, (_, i) => Math.sin(i + 1)),
        );
        const dRows = be.alloc([7, 5], "f32");
        const common = { sparse, dRows, lr: 0.1, dim: 5, numTables: 2 };
        if (fused) {
          be.embeddingBagsBackwardSparseStep({
            ...common,
            dPooled,
            tables,
            accs,
            eps: 1e-10,
            batchSize: 2,
            rowWise: mode === "rowwise",
          });
        } else {
          be.embeddingBagsBackward({ dPooled, sparse, dRows, batchSize: 2, dim: 5, numTables: 2 });
          if (accs === undefined) be.sparseSgdStep({ ...common, tables });
          else be.sparseAdagradStep({ ...common, tables, accs, eps: 1e-10, rowWise: mode === "rowwise" });
        }
        expect(numUnique).toBe(5);
        const out: number[] = [];
        for (const t of [...tables, ...(accs ?? [])]) out.push(...(await readF32(t)));
        runs.push(out);
      }
      expect(runs[1]).toEqual(runs[0]);
    });
  }

  it("turns an out-of-range index on the device into an error and writes nothing outside pooled", async () => {
    const { sparse, tables } = sparseFixture();
    be.write(sparse.indices, new Int32Array([0, 2, 2, 1, 1, 1, 5]));
    const guardBefore = f32(be.alloc([8], "f32"), [1, 1, 1, 1, 1, 1, 1, 1]);
    const pooled = be.alloc([2, 10], "f32");
    const guardAfter = f32(be.alloc([8], "f32"), [2, 2, 2, 2, 2, 2, 2, 2]);
    expect(() => be.embeddingBagsForward({ tables, sparse, pooled, batchSize: 2, dim: 5 })).toThrow(
      /^embeddingBagsForward: sparse\.indices\[6\] = 5 is out of range for table 1 \(\d+ rows\)$/,
    );
    expect(await readF32(guardBefore)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(await readF32(guardAfter)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it("rejects corrupt offsets, csr maps and unique rows coming from the device", () => {
    const { sparse, tables } = sparseFixture();
    const pooled = be.alloc([2, 10], "f32");
    const dRows = be.alloc([7, 5], "f32");
    const dPooled = be.alloc([2, 10], "f32");
    be.write(sparse.offsets, new Int32Array([0, 3, 2, 6, 7]));
    expect(() => be.embeddingBagsForward({ tables, sparse, pooled, batchSize: 2, dim: 5 })).toThrow(/offsets/);
    be.write(sparse.csrBags, new Int32Array([0, 0, 0, 9, 0, 1, 1]));
    expect(() => be.embeddingBagsBackward({ dPooled, sparse, dRows, batchSize: 2, dim: 5, numTables: 2 })).toThrow(
      /csrBags/,
    );
    be.write(sparse.tableUniqueOffsets, new Int32Array([0, 3, 99]));
    expect(() => be.sparseSgdStep({ tables, sparse, dRows, lr: 1, dim: 5, numTables: 2 })).toThrow(
      /tableUniqueOffsets/,
    );
    be.write(sparse.tableUniqueOffsets, new Int32Array([0, 3, 5]));
    be.write(sparse.uniqueRows, new Int32Array([0, 7, 2, 0, 1]));
    expect(() => be.sparseSgdStep({ tables, sparse, dRows, lr: 1, dim: 5, numTables: 2 })).toThrow(/uniqueRows/);
  });

  it("checks host-side sizes and dtypes, naming the argument", () => {
    const { sparse, tables } = sparseFixture();
    const pooled = be.alloc([2, 9], "f32");
    expect(() => be.embeddingBagsForward({ tables, sparse, pooled, batchSize: 2, dim: 5 })).toThrow(
      /"pooled" has 18 elements, needs at least 20/,
    );
    const wrong = { ...sparse, offsets: be.alloc([5], "f32") };
    expect(() => be.embeddingBagsForward({ tables, sparse: wrong, pooled, batchSize: 2, dim: 5 })).toThrow(
      /"sparse.offsets" must be i32/,
    );
    be.free(tables[1]!);
    expect(() => be.embeddingBagsForward({ tables, sparse, pooled, batchSize: 2, dim: 5 })).toThrow(
      /"tables\[1\]".*freed/,
    );
  });
});

describe("loss and interaction", () => {
  it("bce: stable from the logit, -100 log clamp, stats and gradient", async () => {
    const logits = f32(be.alloc([3], "f32"), [0, 200, -3]);
    const targets = f32(be.alloc([3], "f32"), [1, 0, 0]);
    const probs = be.alloc([3], "f32");
    const stats = f32(be.alloc([3], "f32"), [1, 0, 0]);
    be.lossForward({ logits, targets, probs, stats, batchSize: 3, loss: "bce", threshold: 0 });
    const p = await readF32(probs);
    expect(p[0]).toBe(0.5);
    expect(p[1]).toBe(1);
    const want = Math.log(2) + 100 + Math.log1p(Math.exp(-3));
    const s = await readF32(stats);
    expect(s[0]).toBeCloseTo(1 + want, 4);
    expect(s[1]).toBe(1);
    expect(s[2]).toBe(3);
    const dLogits = be.alloc([3], "f32");
    be.lossBackward({ logits, targets, dLogits, batchSize: 3, loss: "bce", threshold: 0 });
    const g = await readF32(dLogits);
    expect(g[0]).toBeCloseTo(-0.5 / 3, 7);
    expect(g[1]).toBeCloseTo(1 / 3, 7);
  });

  it("threshold clamps p and zeroes the gradient where it clamped", async () => {
    const logits = f32(be.alloc([2], "f32"), [10, 0.1]);
    const targets = f32(be.alloc([2], "f32"), [1, 1]);
    const probs = be.alloc([2], "f32");
    const stats = f32(be.alloc([3], "f32"), [0, 0, 0]);
    be.lossForward({ logits, targets, probs, stats, batchSize: 2, loss: "mse", threshold: 0.01 });
    expect((await readF32(probs))[0]).toBe(Math.fround(0.99));
    const dLogits = be.alloc([2], "f32");
    be.lossBackward({ logits, targets, dLogits, batchSize: 2, loss: "mse", threshold: 0.01 });
    const g = await readF32(dLogits);
    expect(g[0]).toBe(0);
    expect(g[1]).not.toBe(0);
  });

  it("dot with self-interaction keeps the lower triangle with the diagonal, row-major", async () => {
    const x = f32(be.alloc([1, 2], "f32"), [1, 2]);
    const pooled = f32(be.alloc([1, 2], "f32"), [3, 4]);
    const out = be.alloc([1, 5], "f32");
    be.interactionForward({ x, pooled, out, batchSize: 1, dim: 2, numTables: 1, op: "dot", itself: true });
    expect(await readF32(out)).toEqual([1, 2, 5, 11, 25]);
    const dOut = f32(be.alloc([1, 5], "f32"), [1, 1, 1, 1, 1]);
    const dX = be.alloc([1, 2], "f32"),
      dPooled = be.alloc([1, 2], "f32");
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
    expect(await readF32(dX)).toEqual([1 + 2 * 1 + 3, 1 + 2 * 2 + 4]);
    expect(await readF32(dPooled)).toEqual([1 + 2 * 3, 2 + 2 * 4]);
  });
});

describe("cross layer", () => {
  // size 5: one f32x4 block and a scalar tail; every value below is exact in f32.
  const x0 = [1, 2, -3, 0.5, 4];
  const y = [2, -1, 0.25, 8, -0.5];
  const g = [1, 3, 4, -2, 0.5];

  it("crossForward: out = x0 * y + xl", async () => {
    const xl = [10, 20, 30, 40, 50];
    const out = be.alloc([5], "f32");
    be.fill({ t: out, value: Number.NaN });
    be.crossForward({
      x0: f32(be.alloc([5], "f32"), x0),
      y: f32(be.alloc([5], "f32"), y),
      xl: f32(be.alloc([5], "f32"), xl),
      out,
      size: 5,
    });
    expect(await readF32(out)).toEqual([12, 18, 29.25, 44, 48]);
  });

  for (const accumulate of [false, true]) {
    for (const withXl of [false, true]) {
      it(`crossBackward${accumulate ? " accumulate" : ""}${withXl ? " with dXl" : " without dXl (layer 0)"}`, async () => {
        const dY = be.alloc([5], "f32");
        const dX0 = f32(be.alloc([5], "f32"), [100, 200, 300, 400, 500]);
        const dXl = withXl ? be.alloc([5], "f32") : undefined;
        be.fill({ t: dY, value: Number.NaN });
        if (!accumulate) be.fill({ t: dX0, value: Number.NaN });
        if (dXl !== undefined) be.fill({ t: dXl, value: Number.NaN });
        be.crossBackward({
          x0: f32(be.alloc([5], "f32"), x0),
          y: f32(be.alloc([5], "f32"), y),
          dOut: f32(be.alloc([5], "f32"), g),
          dY,
          dX0,
          ...(dXl === undefined ? {} : { dXl }),
          size: 5,
          accumulate,
        });
        expect(await readF32(dY)).toEqual([1, 6, -12, -1, 2]);
        const base = [100, 200, 300, 400, 500];
        const want = g.map((gi, i) => (accumulate ? base[i]! : 0) + gi * y[i]! + (withXl ? 0 : gi));
        expect(await readF32(dX0)).toEqual(want);
        if (dXl !== undefined) expect(await readF32(dXl)).toEqual(g);
      });
    }
  }
});

describe("factory, lazy mode and dispose", () => {
  it("is available here and creates eager and lazy backends", async () => {
    expect(await wasmBackendFactory.unavailableReason()).toBeUndefined();
    const lazy = await wasmBackendFactory.create({ mode: "lazy", threads: 1 });
    expect(lazy.mode).toBe("lazy");
    expect(lazy.info).toMatchObject({ name: "wasm", deterministic: true, precisions: ["fp32", "bf16"] });
    const t = lazy.alloc([3], "f32");
    lazy.fill({ t, value: 2 });
    lazy.reluForward({ x: t, y: t, size: 3 });
    expect(Array.from(await lazy.read(t))).toEqual([2, 2, 2]);
    const out = lazy.alloc([3], "f32");
    lazy.crossForward({ x0: t, y: t, xl: t, out, size: 3 });
    expect(Array.from(await lazy.read(out))).toEqual([6, 6, 6]);
    lazy.dispose();
    await expect(wasmBackendFactory.create({ threads: 0 })).rejects.toThrow(/threads/);
  });

  it("lets the process exit after dispose() with a worker thread started", () => {
    const index = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const { wasmBackendFactory } = await import(${JSON.stringify(pathToFileURL(index).href)});
      const be = await wasmBackendFactory.create({ threads: 2 });
      const a = be.alloc([256 * 256], "f32");
      be.fill({ t: a, value: 1 });
      be.gemm({ a, b: a, c: a, m: 256, n: 256, k: 256, transA: false, transB: false, alpha: 0, beta: 1 });
      const c = be.alloc([256 * 256], "f32");
      be.gemm({ a, b: a, c, m: 256, n: 256, k: 256, transA: false, transB: true, alpha: 1, beta: 0 });
      console.log((await be.read(c))[0]);
      be.dispose();`;
    const file = join(mkdtempSync(join(tmpdir(), "wasm-dispose-")), "run.mjs");
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { timeout: 20_000, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("256");
  });
});
