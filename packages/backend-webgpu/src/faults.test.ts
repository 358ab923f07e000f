/**
 * The fault buffer of the sparse kernels: in one lazy step with two faulting ops the first
 * op's fault is thrown (at read), exactly once, and the following step reads clean; a fault of
 * a split table (rows in two buffers) is reported with the whole table's rows; the unique-slot
 * count is checked against the uniqueRows capacity (the dispatch never silently drops slots).
 */
import { afterEach, expect, it } from "vitest";
import { buildSparseBatch, type SparseBatchTensors } from "@dlrm/core";
import { WebGpuBackend } from "./backend.js";
import { describeGpu } from "./testing/describe-gpu.js";

const B = 2,
  D = 4,
  ROWS = [6, 8];
/** Bags (t, b): indices [0, 5, 1, 7, 2, 7], offsets [0, 2, 3, 4, 6]. */
const BAGS = [[0, 5], [1], [7], [2, 7]];

let open: WebGpuBackend[] = [];
afterEach(() => {
  for (const b of open) b.dispose();
  open = [];
});

async function setup(mode: "eager" | "lazy", maxChunkBytes?: number) {
  const be = await WebGpuBackend.create(mode, maxChunkBytes === undefined ? {} : { maxChunkBytes });
  open.push(be);
  const offsets = new Int32Array(BAGS.length + 1);
  BAGS.forEach((bag, i) => (offsets[i + 1] = offsets[i]! + bag.length));
  const host = buildSparseBatch({ indices: Int32Array.from(BAGS.flat()), offsets }, ROWS, B);
  const ints = (data: Int32Array): ReturnType<typeof be.alloc> => {
    const t = be.alloc([data.length], "i32");
    be.write(t, data);
    return t;
  };
  const sparse: SparseBatchTensors = {
    indices: ints(host.indices),
    offsets: ints(host.offsets),
    uniqueRows: ints(host.uniqueRows),
    tableUniqueOffsets: ints(host.tableUniqueOffsets),
    csrOffsets: ints(host.csrOffsets),
    csrBags: ints(host.csrBags),
  };
  const tables = ROWS.map((r) => {
    const t = be.alloc([r, D], "f32");
    be.fill({ t, value: 1 });
    return t;
  });
  const pooled = be.alloc([B, ROWS.length * D], "f32");
  const dRows = be.alloc([host.numUnique, D], "f32");
  be.fill({ t: dRows, value: 0.5 });
  return { be, sparse, tables, pooled, dRows, host };
}

await describeGpu("webgpu sparse faults", () => {
  it("reports the first faulting op of a lazy step once, then reads clean", async () => {
    const { be, sparse, tables, pooled, dRows } = await setup("lazy");
    be.write(sparse.indices, Int32Array.of(-3), 1);
    be.embeddingBagsForward({ tables, sparse, pooled, batchSize: B, dim: D });
    be.write(sparse.uniqueRows, Int32Array.of(99), 0);
    be.sparseSgdStep({ tables, sparse, dRows, lr: 0.1, dim: D, numTables: 2 });
    be.markStep();
    await expect(be.read(pooled)).rejects.toThrow(
      new RangeError("embeddingBagsForward: sparse.indices[1] = -3 is out of range for table 0 (6 rows)"),
    );
    expect((await be.read(pooled)).length).toBe(B * 2 * D);
    be.write(sparse.indices, Int32Array.of(5), 1);
    be.write(sparse.uniqueRows, Int32Array.of(0), 0);
    be.embeddingBagsForward({ tables, sparse, pooled, batchSize: B, dim: D });
    // The step's other slots ran: rows 1, 5 of table 0 and 2, 7 of table 1 are now 1 - 0.1 * 0.5.
    const want = [1.95, 0.95, 0.95, 1.9].flatMap((v) => [v, v, v, v]);
    const got = Array.from(await be.read(pooled));
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it("a split table refuses an index past its last buffer, naming the whole table's rows", async () => {
    const { be, sparse, tables, pooled } = await setup("eager", 64);
    be.write(sparse.indices, Int32Array.of(8), 5);
    be.embeddingBagsForward({ tables, sparse, pooled, batchSize: B, dim: D });
    await expect(be.sync()).rejects.toThrow(
      new RangeError("embeddingBagsForward: sparse.indices[5] = 8 is out of range for table 1 (8 rows)"),
    );
  });

  it("a unique-slot count past the uniqueRows capacity is refused, not cut to it", async () => {
    const { be, sparse, tables, dRows, host } = await setup("eager");
    be.write(sparse.tableUniqueOffsets, Int32Array.of(0, 3, host.numUnique + 1));
    be.sparseSgdStep({ tables, sparse, dRows, lr: 0.1, dim: D, numTables: 2 });
    await expect(be.sync()).rejects.toThrow(
      new RangeError(
        `sparseSgdStep: sparse.tableUniqueOffsets ends at ${host.numUnique + 1} but sparse.uniqueRows has ${host.numUnique} elements`,
      ),
    );
  });
});
