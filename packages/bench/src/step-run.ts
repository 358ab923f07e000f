/**
 * The training step on one backend in one mode, timed with tinybench over pre-generated
 * random batches (so data generation is not measured; host preprocessing and upload are).
 * One iteration = upload + forward + backward and updates + markStep + sync. In eager mode
 * each phase ends with `await backend.sync()` and is timed on its own (the time split);
 * in lazy mode the ops only run at markStep, so there is no split.
 */
import {
  BatchUploader,
  DlrmModel,
  expandMultiHot,
  multiHotTables,
  randomBatch,
  type Backend,
  type Batch,
} from "@dlrm/core";
import { benchBagBounds, type BenchConfig } from "./configs.js";
import { timeIt, type Repeats } from "./stats.js";
import type { PhaseSplit } from "./types.js";
import { median } from "./report.js";

/** What one step measurement returns; the model stays on the backend for the micro-benchmarks. */
export interface StepMeasurement {
  samples: number[];
  phases: PhaseSplit | null;
  model: DlrmModel;
}

/**
 * Batches replayed by the step benchmark (a few distinct ones, so caches see varied rows);
 * with `c.multiHot`, every index expanded as MLPerf's synthetic multi-hot does (numpy seed 0).
 */
export function benchBatches(c: BenchConfig, count = 4): Batch[] {
  const batches = Array.from({ length: count }, (_, i) => randomBatch(c.train, c.data, i));
  if (c.multiHot === undefined) return batches;
  const tables = multiHotTables(c.multiHot, c.train.model.tableRows, 0);
  return batches.map((b) => expandMultiHot(b, c.multiHot!, tables));
}

/** Builds the model on `backend` with seeded weights. */
export function benchModel(backend: Backend, c: BenchConfig): DlrmModel {
  const model = new DlrmModel(
    backend,
    { ...c.train, mode: backend.mode },
    { ...benchBagBounds(c), batchSize: c.train.batchSize },
  );
  model.loadInitialWeights();
  return model;
}

/** Times the training step of `c` on `backend` (its mode decides eager or lazy). */
export async function measureStep(
  backend: Backend,
  c: BenchConfig,
  batches: readonly Batch[],
  r: Repeats,
): Promise<StepMeasurement> {
  const model = benchModel(backend, c);
  const uploader = new BatchUploader(backend, model);
  const lr = c.train.learningRate;
  const eager = backend.mode === "eager";
  const split = { upload: [] as number[], forward: [] as number[], backward: [] as number[] };
  let i = 0;
  let recording = false;
  const step = async (): Promise<void> => {
    const batch = batches[i++ % batches.length]!;
    const t0 = performance.now();
    uploader.upload(batch);
    if (eager) await backend.sync();
    const t1 = performance.now();
    model.forward();
    if (eager) await backend.sync();
    const t2 = performance.now();
    model.backwardAndUpdate(lr);
    backend.markStep();
    await backend.sync();
    const t3 = performance.now();
    if (recording) {
      split.upload.push(t1 - t0);
      split.forward.push(t2 - t1);
      split.backward.push(t3 - t2);
    }
  };
  if (r.warmup > 0) await timeIt("step warm-up", step, { iterations: r.warmup, warmup: 0 });
  recording = true;
  const samples = await timeIt("step", step, { iterations: r.iterations, warmup: 0 });
  model.resetStats();
  const phases = eager
    ? { uploadMs: median(split.upload), forwardMs: median(split.forward), backwardUpdateMs: median(split.backward) }
    : null;
  return { samples, phases, model };
}
