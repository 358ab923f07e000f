/** Tests of the memory estimate and the refusal before allocating, with its per-table breakdown. */
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../config.js";
import { withMultiHot } from "../data/multi-hot.js";
import { DlrmModel } from "../model/dlrm.js";
import { ReferenceBackend } from "../reference/reference-backend.js";
import { checkMemoryFits, estimateMemory, MemoryRefusalError } from "./memory.js";

const medium: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: {
    embeddingDim: 64,
    tableRows: [3_000_000],
    bottomMlp: [1024, 1024, 1024, 64],
    topMlp: [4096, 4096, 4096, 4096, 4096, 4096, 4096, 1],
    interaction: "cat",
    interactionItself: false,
  },
  batchSize: 512,
};

describe("memory estimate", () => {
  it("counts the seed's Medium configuration: table + Adagrad 1.5 GB, 103.4 M MLP parameters x 3 (weights, gradients, Adagrad)", () => {
    const e = estimateMemory(medium, 38);
    const table = e.breakdown.find((b) => b.name.startsWith("table 0"))!;
    expect(table.bytes).toBe(3_000_000 * 64 * 2 * 4);
    const mlp = e.breakdown.find((b) => b.name.startsWith("MLP"))!;
    // bottom 1024*1024 + 1024*1024 + 64*1024 (+ biases); top 4096*128 + 6 * 4096*4096 + 4096 (+ biases)
    expect(mlp.bytes / 12).toBe(1024 * 1025 + 1024 * 1025 + 64 * 1025 + 4096 * 129 + 6 * 4096 * 4097 + 1 * 4097);
    expect(estimateMemory({ ...medium, optimizer: "rwsadagrad" }, 38).totalBytes).toBeLessThan(e.totalBytes - 700e6);
  });

  it("refuses before allocating, naming the biggest parts and what to change", () => {
    const e = estimateMemory({ ...medium, model: { ...medium.model, tableRows: [20_000_000, 100] } }, 38);
    expect(() => checkMemoryFits(e, 4 * 2 ** 30, "wasm", 64 * 2 ** 30)).toThrow(MemoryRefusalError);
    expect(() => checkMemoryFits(e, 4 * 2 ** 30, "wasm", 64 * 2 ** 30)).toThrow(
      /the wasm backend holds at most 4096\.0 MiB:\n {2}table 0 \(20000000 x 64\) \+ optimizer state: 9765\.6 MiB/,
    );
    expect(() => checkMemoryFits(e, undefined, "reference", 2 ** 30)).toThrow(
      /this machine holds at most 1024\.0 MiB[\s\S]*--max-ind-range[\s\S]*rwsadagrad/,
    );
    expect(() => checkMemoryFits(estimateMemory(medium, 38), 4 * 2 ** 30, "wasm", 64 * 2 ** 30)).not.toThrow();
  });
});

describe("per-table bag bounds (multi-hot)", () => {
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    model: { ...medium.model, tableRows: [1000, 1000, 1000], topMlp: [64, 1] },
    batchSize: 256,
  };
  const batchBytes = (e: ReturnType<typeof estimateMemory>): number =>
    e.breakdown.find((b) => b.name.startsWith("batch buffers"))!.bytes;

  it("sizes each table's batch buffers by its own bound, not the largest", () => {
    const uniform = estimateMemory(cfg, 100);
    const perTable = estimateMemory(cfg, { maxIndicesPerBag: 100, maxIndicesPerBagByTable: [1, 2, 100] });
    // per bag index: 4 i32 buffers + D floats of unique-row gradient; per bag: one offset
    const bytes = (nnz: number): number => (4 * nnz + 3 * 256) * 4 + nnz * 64 * 4;
    expect(batchBytes(uniform)).toBe(bytes(256 * 300));
    expect(batchBytes(perTable)).toBe(bytes(256 * 103));
    expect(perTable.totalBytes).toBeLessThan(uniform.totalBytes);
  });

  it("the model's buffers hold B x the sum of the bounds, and a multi-hot source reports its bounds", () => {
    const source = withMultiHot(
      { batchesPerEpoch: 1, maxIndicesPerBag: 1, description: "one-hot", batches: async function* () {} },
      [3, 1, 7],
      cfg.model.tableRows,
    );
    expect(source.maxIndicesPerBag).toBe(7);
    expect(source.maxIndicesPerBagByTable).toEqual([3, 1, 7]);
    const model = new DlrmModel(new ReferenceBackend(), { ...cfg, batchSize: 4 }, { ...source, batchSize: 4 });
    expect(model.groups.reduce((a, g) => a + g.nnzMax, 0)).toBe(4 * 11);
  });
});
