/**
 * Execution modes: lazy mode submits one command buffer per training step (counted through
 * `stats.submissions` while trainModel runs), eager and lazy training give bit-identical
 * weights, the step loop creates no pipelines or bind groups after its first step, and a
 * write recorded after an op lands after it (staged copy) in lazy mode as in eager.
 */
import { afterEach, expect, it } from "vitest";
import {
  DEFAULT_RANDOM_DATA,
  DEFAULT_TRAIN_CONFIG,
  createRandomSource,
  trainModel,
  type ExecutionMode,
  type TrainConfig,
} from "@dlrm/core";
import { WebGpuBackend } from "./backend.js";
import { describeGpu } from "./testing/describe-gpu.js";

const STEPS = 6;

function config(mode: ExecutionMode): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    model: { ...DEFAULT_TRAIN_CONFIG.model, tableRows: [200, 50, 300] },
    batchSize: 32,
    numBatches: STEPS,
    printFreq: 3,
    loss: "bce",
    mode,
  };
}

/** Trains STEPS steps and returns the weights, the losses and per-step counters. */
async function train(backend: WebGpuBackend, mode: ExecutionMode) {
  const cfg = config(mode);
  const source = createRandomSource(cfg, { ...DEFAULT_RANDOM_DATA, dataSize: cfg.batchSize * STEPS });
  const submissionsAtStep: number[] = [];
  const cacheAtStep: { pipelines: number; bindGroups: number }[] = [];
  const losses: number[] = [];
  const { model } = await trainModel(backend, cfg, source, {
    onStep: () => {
      submissionsAtStep.push(backend.stats.submissions);
      cacheAtStep.push(backend.cacheSizes);
    },
    onPrint: (r) => losses.push(r.loss),
  });
  return { weights: await model.stateDict(), losses, submissionsAtStep, cacheAtStep };
}

const backends: WebGpuBackend[] = [];
async function make(mode: ExecutionMode): Promise<WebGpuBackend> {
  const b = await WebGpuBackend.create(mode);
  backends.push(b);
  return b;
}

await describeGpu("webgpu execution modes", () => {
  afterEach(() => {
    for (const b of backends.splice(0)) b.dispose();
  });

  it("lazy mode submits exactly one command buffer per training step", async () => {
    const lazy = await make("lazy");
    const { submissionsAtStep } = await train(lazy, "lazy");
    expect(submissionsAtStep).toHaveLength(STEPS);
    // Step s ends at markStep; print steps (3, 6) add one submission for the stats read after it.
    const perStep = submissionsAtStep.map((n, i) => n - (i === 0 ? 0 : submissionsAtStep[i - 1]!));
    expect(perStep[0]).toBe(1);
    expect(perStep.slice(1)).toEqual([1, 1, 2, 1, 1]);
  });

  it("eager mode submits once per op", async () => {
    const eager = await make("eager");
    const { submissionsAtStep } = await train(eager, "eager");
    expect(submissionsAtStep[1]! - submissionsAtStep[0]!).toBeGreaterThan(10);
  });

  it("eager and lazy training give bit-identical weights and losses", async () => {
    const eager = await train(await make("eager"), "eager");
    const lazy = await train(await make("lazy"), "lazy");
    expect(lazy.losses).toEqual(eager.losses);
    expect(eager.losses.every(Number.isFinite)).toBe(true);
    expect([...lazy.weights.keys()]).toEqual([...eager.weights.keys()]);
    for (const [name, t] of eager.weights) {
      const other = lazy.weights.get(name)!;
      expect(Buffer.from(other.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    }
  });

  it("the step loop compiles no pipeline and creates no bind group after step 1", async () => {
    const { cacheAtStep } = await train(await make("lazy"), "lazy");
    for (const c of cacheAtStep.slice(1)) expect(c).toEqual(cacheAtStep[0]);
  });

  it("a write recorded after an op is applied after it, in one submission (lazy) as in eager", async () => {
    const results: number[][] = [];
    for (const mode of ["eager", "lazy"] as const) {
      const be = await make(mode);
      const t = be.alloc([4], "f32", "t");
      const g = be.alloc([4], "f32", "g");
      be.write(t, Float32Array.from([1, 2, 3, 4]));
      be.write(g, Float32Array.from([1, 1, 1, 1]));
      const before = be.stats.submissions;
      be.fill({ t, value: 0 });
      be.write(t, Float32Array.from([5]), 1);
      be.sgdStep({ param: t, grad: g, lr: 0.5, size: 4 });
      be.write(g, Float32Array.from([7]), 3);
      const got = Array.from(await be.read(t));
      if (mode === "lazy") expect(be.stats.submissions - before).toBe(1);
      results.push([...got, ...Array.from(await be.read(g))]);
    }
    expect(results[0]).toEqual([-0.5, 4.5, -0.5, -0.5, 1, 1, 1, 7]);
    expect(results[1]).toEqual(results[0]);
  });
});
