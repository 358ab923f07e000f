/**
 * The training loop: per step, upload a batch, run the model's forward and backward call
 * lists with the scheduled learning rate, and `markStep()` (one submission in lazy mode).
 * Loss and accuracy accumulate on the device and are read back only at print steps.
 */
import type { Backend } from "../backend.js";
import { validateConfig, type TrainConfig } from "../config.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import type { BatchSource } from "../data/batch.js";
import { DlrmModel } from "../model/dlrm.js";
import { LrScheduler } from "./lr-schedule.js";
import { BatchUploader } from "./upload.js";

export interface PrintReport {
  epoch: number;
  /** 1-based global step. */
  step: number;
  totalSteps: number;
  /** Mean loss over the samples since the previous print step. */
  loss: number;
  /** Fraction of those samples with round(p) == y. */
  accuracy: number;
  msPerIteration: number;
  samplesPerSecond: number;
  learningRate: number;
}

export interface TrainOptions {
  /** Initial weights (dlrm names), checked strictly; otherwise seeded initialisation. */
  initialWeights?: StateDict;
  /** Where the initial weights came from, for error messages. */
  initialWeightsSource?: string;
  onPrint?(r: PrintReport): void;
  onStep?(step: number, totalSteps: number): void;
}

export interface TrainSummary {
  steps: number;
  samples: number;
  seconds: number;
  finalLoss: number;
  finalAccuracy: number;
  msPerIteration: number;
}

/** Thrown when the loss stops being finite; names the step. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly epoch: number, loss: number) {
    super(`loss became ${loss} at step ${step} (epoch ${epoch}); stopping instead of training on garbage`);
    this.name = "NonFiniteLossError";
  }
}

/** Trains `cfg` on `source` with `backend`; returns the model (still on the device) and a summary. */
export async function trainModel(
  backend: Backend,
  cfg: TrainConfig,
  source: BatchSource,
  opts: TrainOptions = {},
): Promise<{ model: DlrmModel; summary: TrainSummary }> {
  validateConfig(cfg);
  const model = new DlrmModel(backend, cfg, { batchSize: cfg.batchSize, maxIndicesPerBag: source.maxIndicesPerBag });
  model.loadInitialWeights(opts.initialWeights, opts.initialWeightsSource);
  const uploader = new BatchUploader(backend, model);
  const lr = new LrScheduler({
    baseLr: cfg.learningRate,
    numWarmupSteps: cfg.lrNumWarmupSteps,
    decayStartStep: cfg.lrDecayStartStep,
    numDecaySteps: cfg.lrNumDecaySteps,
  });
  const totalSteps = source.batchesPerEpoch * cfg.epochs;
  const started = performance.now();
  let windowStart = started;
  let windowSteps = 0;
  let step = 0;
  let last = { loss: Number.NaN, accuracy: Number.NaN };
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    let inEpoch = 0;
    for await (const batch of source.batches(epoch)) {
      if (inEpoch++ >= source.batchesPerEpoch) break;
      step++;
      windowSteps++;
      const rate = lr.next();
      uploader.upload(batch);
      model.forward();
      model.backwardAndUpdate(rate);
      backend.markStep();
      opts.onStep?.(step, totalSteps);
      if (step % cfg.printFreq === 0 || step === totalSteps) {
        const stats = await backend.read(model.stats);
        model.resetStats();
        const now = performance.now();
        const ms = (now - windowStart) / windowSteps;
        last = { loss: stats[0]! / stats[2]!, accuracy: stats[1]! / stats[2]! };
        if (!Number.isFinite(last.loss)) throw new NonFiniteLossError(step, epoch, last.loss);
        opts.onPrint?.({
          epoch, step, totalSteps, loss: last.loss, accuracy: last.accuracy,
          msPerIteration: ms, samplesPerSecond: (cfg.batchSize * 1000) / ms, learningRate: rate,
        });
        windowStart = now;
        windowSteps = 0;
      }
    }
  }
  await backend.sync();
  const seconds = (performance.now() - started) / 1000;
  return {
    model,
    summary: {
      steps: step, samples: step * cfg.batchSize, seconds,
      finalLoss: last.loss, finalAccuracy: last.accuracy,
      msPerIteration: step > 0 ? (seconds * 1000) / step : 0,
    },
  };
}

/** Trains and returns the summary (the CLI's entry point). */
export async function train(backend: Backend, cfg: TrainConfig, source: BatchSource, opts: TrainOptions = {}): Promise<TrainSummary> {
  return (await trainModel(backend, cfg, source, opts)).summary;
}
