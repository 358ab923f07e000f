/**
 * The op split: the recording proxy captures one training step's op calls without running
 * them (tiny config, reference backend), the GEMM count matches the MLP's layer products,
 * every contract op falls in its category, categories sum to the total, and a replay runs the
 * ops for real (the weights change). No timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { BatchUploader, REQUIRED_OPS, referenceBackendFactory } from "@dlrm/core";
import { BENCH_CONFIGS } from "./configs.js";
import { measureOpSplit, opCategory, OP_CATEGORIES, recordingBackend, recordStep, summarizeSplit } from "./op-split.js";
import { benchBatches, benchModel } from "./step-run.js";

const tiny = BENCH_CONFIGS.tiny!;

async function tinyModel() {
  const backend = await referenceBackendFactory.create({ mode: "eager" });
  const model = benchModel(backend, tiny);
  new BatchUploader(backend, model).upload(benchBatches(tiny, 1)[0]!);
  return { backend, model };
}

describe("op categories", () => {
  it("puts every contract op in its category", () => {
    const expected: Record<string, string> = {
      gemm: "gemm",
      linearForward: "gemm",
      embeddingBagsForward: "embedding",
      embeddingBagsBackward: "embedding",
      sparseSgdStep: "embedding",
      sparseAdagradStep: "embedding",
      embeddingBagsBackwardSparseStep: "embedding",
      interactionForward: "interaction",
      interactionBackward: "interaction",
      crossForward: "interaction",
      crossBackward: "interaction",
      adagradStep: "optimizer",
      fusedAdagradStep: "optimizer",
      sgdStep: "optimizer",
      upload: "data",
      biasAddForward: "other",
      biasAddBackward: "other",
      reluForward: "other",
      reluBackward: "other",
      sigmoidForward: "other",
      sigmoidBackward: "other",
      lossForward: "other",
      lossBackward: "other",
      fill: "other",
    };
    for (const op of REQUIRED_OPS) expect(Object.keys(expected), op).toContain(op);
    for (const [op, category] of Object.entries(expected)) expect(opCategory(op), op).toBe(category);
  });

  it("sums per-op medians into categories whose ms add up to the total and shares to 1", () => {
    const s = summarizeSplit(
      [
        { op: "gemm", ms: 1 },
        { op: "linearForward", ms: 2 },
        { op: "upload", ms: 3 },
        { op: "reluBackward", ms: 0.5 },
        { op: "gemm", ms: 1.5 },
      ],
      7,
      3,
    );
    expect(s.categories.map((c) => c.category)).toEqual(OP_CATEGORIES);
    const by = Object.fromEntries(s.categories.map((c) => [c.category, c]));
    expect(by.gemm).toMatchObject({ ms: 4.5, calls: 3 });
    expect(by.data).toMatchObject({ ms: 3, calls: 1 });
    expect(by.other).toMatchObject({ ms: 0.5, calls: 1 });
    expect(by.embedding).toMatchObject({ ms: 0, calls: 0, share: 0 });
    expect(s.totalMs).toBe(8);
    expect(s.stepMs).toBe(7);
    expect(s.categories.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 12);
    expect(s.ops.find((o) => o.op === "gemm")).toEqual({ op: "gemm", category: "gemm", calls: 2, ms: 2.5 });
  });
});

describe("recording a step", () => {
  it("captures the op sequence of a tiny step without running it", async () => {
    const { backend, model } = await tinyModel();
    const before = await backend.read(model.bottom[0]!.weight);
    const tableBefore = await backend.read(model.groups[0]!.tables[0]!);
    const ops = recordStep(model, 0.5);
    expect(await backend.read(model.bottom[0]!.weight)).toEqual(before);
    expect(await backend.read(model.groups[0]!.tables[0]!)).toEqual(tableBefore);
    const names = ops.map((o) => o.op);
    const layers = tiny.train.model.bottomMlp.length - 1 + tiny.train.model.topMlp.length;
    const count = (pred: (op: string) => boolean): number => names.filter(pred).length;
    expect(count((n) => n === "gemm" || n === "linearForward")).toBe(layers + layers + (layers - 1));
    expect(count((n) => n === "linearForward")).toBe(backend.linearForward ? layers : 0);
    expect(names.filter((n) => n.startsWith("interaction"))).toEqual(["interactionForward", "interactionBackward"]);
    expect(names[0]).toBe(backend.linearForward ? "linearForward" : "gemm");
    expect(names).toContain("embeddingBagsForward");
    expect(names).toContain("lossForward");
    expect(names.some((n) => opCategory(n) === "optimizer")).toBe(true);
    expect(names).not.toContain("write");
    backend.dispose();
  });

  it("passes calls through while not recording", async () => {
    const backend = await referenceBackendFactory.create({ mode: "eager" });
    const rec = recordingBackend(backend);
    const t = rec.backend.alloc([4], "f32", "t");
    rec.backend.fill({ t, value: 3 });
    expect([...(await rec.backend.read(t))]).toEqual([3, 3, 3, 3]);
    rec.recording = true;
    rec.backend.fill({ t, value: 5 });
    expect([...(await rec.backend.read(t))]).toEqual([3, 3, 3, 3]);
    expect(rec.ops).toEqual([{ op: "fill", args: { t, value: 5 } }]);
    expect(rec.backend.info).toBe(backend.info);
    backend.dispose();
  });

  it("replays the recorded step for real: categories cover every op and the weights change", async () => {
    const { backend, model } = await tinyModel();
    const before = await backend.read(model.bottom[0]!.weight);
    const split = await measureOpSplit(model, benchBatches(tiny, 1)[0]!, 0.5, 1.25, { warmup: 1, repeats: 2 });
    expect(await backend.read(model.bottom[0]!.weight)).not.toEqual(before);
    expect(split.stepMs).toBe(1.25);
    expect(split.repeats).toBe(2);
    const sum = split.categories.reduce((a, c) => a + c.ms, 0);
    expect(sum).toBeCloseTo(split.totalMs, 9);
    const ops = recordStep(model, 0.5);
    expect(split.categories.reduce((a, c) => a + c.calls, 0)).toBe(ops.length + 1);
    expect(split.categories.find((c) => c.category === "data")!.calls).toBe(1);
    for (const c of split.categories) expect(Number.isFinite(c.ms) && c.ms >= 0, c.category).toBe(true);
    backend.dispose();
  });

  it("refuses a lazy backend", async () => {
    const backend = await referenceBackendFactory.create({ mode: "lazy" });
    const model = benchModel(backend, tiny);
    await expect(measureOpSplit(model, benchBatches(tiny, 1)[0]!, 0.5, 1, { warmup: 0, repeats: 1 })).rejects.toThrow(
      /eager/,
    );
    backend.dispose();
  });
});
