/**
 * The training loop: per step, upload a batch, run the model's forward and backward call
 * lists with the scheduled learning rate, and `markStep()` (one submission in lazy mode).
 * Loss and accuracy accumulate on the device and are read back only at print steps.
 */
import type { Backend } from "../backend.js";
import { localBatchSize, validateConfig, type TrainConfig } from "../config.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { tableBagBound, type BagBounds, type BatchSource } from "../data/batch.js";
import { totalmem } from "node:os";
import { DlrmModel } from "../model/dlrm.js";
import { LrScheduler } from "./lr-schedule.js";
import { checkMemoryFits, estimateMemory } from "./memory.js";
import { BatchUploader } from "./upload.js";
import { Checkpointer } from "./checkpointer.js";
import { BatchError, firstNonFinite, NonFiniteLossError } from "./errors.js";
import type { Communicator } from "../comm/communicator.js";
import { planSharding, type ShardingChoice } from "../parallel/planner.js";
import { HybridStep, type CommCounters } from "../parallel/hybrid-step.js";
import type { ShardingPlan, TableShard } from "../parallel/shards.js";

/** How to shard: `--sharding` (default auto) and `--memory-per-rank` (bytes; default none). */
export interface ShardingOptions {
  sharding?: ShardingChoice;
  memoryPerRank?: number;
}

/** The sharding plan for `cfg` on `worldSize` ranks, lookups estimated from the source's bag size. */
export function planForSource(
  cfg: TrainConfig,
  source: BagBounds,
  worldSize: number,
  options: ShardingOptions = {},
): ShardingPlan {
  return planSharding(cfg.model, cfg.optimizer, {
    worldSize,
    batchSize: cfg.batchSize,
    meanBagSize: meanBagBound(source, cfg.model.tableRows.length),
    maxIndicesPerBag: source.maxIndicesPerBag,
    sharding: options.sharding ?? "auto",
    ...(options.memoryPerRank === undefined ? {} : { memoryPerRank: options.memoryPerRank }),
  });
}

/** The mean over `tables` tables of their bag bounds. */
function meanBagBound(bounds: BagBounds, tables: number): number {
  let sum = 0;
  for (let t = 0; t < tables; t++) sum += tableBagBound(bounds, t);
  return tables === 0 ? bounds.maxIndicesPerBag : sum / tables;
}

/** Builds the model for this process: all of it, or one rank's part of a hybrid-parallel one. */
export function buildModel(
  backend: Backend,
  cfg: TrainConfig,
  bagBounds: number | BagBounds,
  comm?: Communicator,
  plan?: ShardingPlan,
  check: (shard?: { shards: readonly TableShard[]; worldSize: number }) => void = () => undefined,
): DlrmModel {
  const bounds: BagBounds = typeof bagBounds === "number" ? { maxIndicesPerBag: bagBounds } : bagBounds;
  const limits = { ...bounds, batchSize: cfg.batchSize };
  if (comm === undefined || comm.worldSize === 1) {
    check();
    return new DlrmModel(backend, cfg, limits);
  }
  localBatchSize(cfg.batchSize, comm.worldSize);
  const p = plan ?? planForSource(cfg, bounds, comm.worldSize);
  if (p.worldSize !== comm.worldSize)
    throw new RangeError(`the sharding plan is for ${p.worldSize} ranks, but ${comm.worldSize} are running`);
  check({ shards: p.shards[comm.rank]!, worldSize: comm.worldSize });
  return new DlrmModel(backend, cfg, limits, { rank: comm.rank, worldSize: comm.worldSize, plan: p, comm });
}

export { BatchError, NonFiniteLossError, NonFiniteTensorError } from "./errors.js";

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
  /** Of msPerIteration, the mean time a step waited for its batch (0 when the next batch was always ready). */
  dataWaitMsPerIteration: number;
  samplesPerSecond: number;
  learningRate: number;
  /** On one rank of several: collective time and bytes per step, averaged over the window. */
  comm?: CommCounters;
}

export interface TrainOptions {
  /**
   * The ranks' transport: with worldSize > 1 this process trains its part of a hybrid-parallel
   * model (tables placed by `plan`, default `planForSource`), exactly as one process would.
   */
  comm?: Communicator;
  plan?: ShardingPlan;
  /** Initial weights (dlrm names), checked strictly; otherwise seeded initialisation. */
  initialWeights?: StateDict;
  /** Where the initial weights came from, for error messages. */
  initialWeightsSource?: string;
  /** Continue exactly from this checkpoint (weights, optimizer state, cursor, schedule). */
  resume?: { path: string; checkpoint: Checkpoint };
  /**
   * Checkpoints into `dir`, keeping the newest `keep`: every `every` steps and after the last
   * step (every = 0: only when `shouldStop` ends training).
   */
  checkpoint?: { dir: string; every: number; keep: number };
  /**
   * After the last step (unless `shouldStop` ended training), a checkpoint of the whole
   * training state to this file (`--save-model`): resuming from it continues exactly.
   */
  saveModel?: string;
  /** Polled after every step; true stops training after a final checkpoint. */
  shouldStop?(): boolean;
  /**
   * "stop" (default): a non-finite loss ends training. "skip": the loss is read back every
   * step (one sync per step) and a step with a non-finite loss is not applied; more than
   * `maxConsecutiveSkips` (default 10) such steps in a row end training.
   */
  onNonFinite?: "stop" | "skip";
  maxConsecutiveSkips?: number;
  onSkip?(step: number, skippedSoFar: number): void;
  onPrint?(r: PrintReport): void;
  onStep?(step: number, totalSteps: number): void;
  onCheckpoint?(path: string, step: number): void;
  /**
   * Before an epoch's first step (or the resumed one's next) and after its last step, its
   * tests and checkpoints, also when training stops within it. `epoch` counts from 0.
   */
  onEpoch?(epoch: number, phase: "start" | "end"): void;
  /**
   * Every `every` steps (after the step, its print and before its checkpoint), awaited:
   * evaluation on held-out data. Returning true ends training early (e.g. an MLPerf target
   * reached): a checkpoint is written as for `shouldStop`, and summary.earlyStopped is set.
   */
  onTest?: { every: number; run(model: DlrmModel, step: number, epoch: number): Promise<boolean> };
}

export interface TrainSummary {
  /** Steps completed in total (including those before a resume). */
  steps: number;
  /** True when `shouldStop` ended training early. */
  stopped: boolean;
  /** True when `onTest` ended training early (a target was reached). */
  earlyStopped: boolean;
  /** Steps not applied because their loss was not finite (`onNonFinite: "skip"`). */
  skippedSteps: number;
  /** The newest checkpoint written or resumed from, if any. */
  lastCheckpoint: string | undefined;
  samples: number;
  seconds: number;
  finalLoss: number;
  finalAccuracy: number;
  msPerIteration: number;
  /** Of msPerIteration, the mean time a step waited for its batch. */
  dataWaitMsPerIteration: number;
}

/**
 * The loop awaits only settled promises on host backends, which never lets signals, timers
 * or I/O callbacks run; it yields to the event loop this often so Ctrl-C is heard.
 */
const YIELD_EVERY_MS = 50;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A print window's collective counters per step. */
function perStep(c: CommCounters, steps: number): CommCounters {
  return {
    indexMs: c.indexMs / steps,
    indexBytes: c.indexBytes / steps,
    indexBusyMs: c.indexBusyMs / steps,
    allToAllMs: c.allToAllMs / steps,
    allToAllBytes: c.allToAllBytes / steps,
    allToAllBusyMs: c.allToAllBusyMs / steps,
    allReduceMs: c.allReduceMs / steps,
    allReduceBytes: c.allReduceBytes / steps,
    allReduceBusyMs: c.allReduceBusyMs / steps,
  };
}

/** Trains `cfg` on `source` with `backend`; returns the model (still on the device) and a summary. */
export async function trainModel(
  backend: Backend,
  cfg: TrainConfig,
  source: BatchSource,
  opts: TrainOptions = {},
): Promise<{ model: DlrmModel; summary: TrainSummary }> {
  validateConfig(cfg);
  const model = buildModel(backend, cfg, source, opts.comm, opts.plan, (shard) =>
    checkMemoryFits(estimateMemory(cfg, source, shard), backend.info.memoryLimitBytes, backend.info.name, totalmem()),
  );
  const hybrid = model.shard === undefined ? undefined : new HybridStep(model);
  const lr = new LrScheduler({
    baseLr: cfg.learningRate,
    numWarmupSteps: cfg.lrNumWarmupSteps,
    decayStartStep: cfg.lrDecayStartStep,
    numDecaySteps: cfg.lrNumDecaySteps,
  });
  let step = 0;
  let startEpoch = 0;
  let startBatch = 0;
  let lastCheckpoint: string | undefined;
  if (opts.resume !== undefined) {
    const { path, checkpoint } = opts.resume;
    model.loadInitialWeights(checkpoint.weights, path);
    model.loadOptimizerState(checkpoint.optimizer, path);
    ({ step, epoch: startEpoch, batchInEpoch: startBatch } = checkpoint.state);
    lr.restore({ steps: checkpoint.state.lrSteps, lastLr: checkpoint.state.lrLast });
    // A --save-model cursor at the end of an epoch of this length: the next epoch starts.
    if (startBatch >= source.batchesPerEpoch) [startEpoch, startBatch] = [startEpoch + 1, 0];
    lastCheckpoint = path;
  } else {
    model.loadInitialWeights(opts.initialWeights, opts.initialWeightsSource);
  }
  const uploader = new BatchUploader(backend, model);
  const totalSteps = source.batchesPerEpoch * cfg.epochs;

  const checkpointer =
    opts.checkpoint === undefined && opts.saveModel === undefined
      ? undefined
      : new Checkpointer(
          model,
          cfg,
          lr,
          source.batchesPerEpoch,
          opts.checkpoint ?? { dir: ".", keep: 1 },
          opts.onCheckpoint,
        );
  const writeCheckpoint = async (epoch: number, batchInEpoch: number): Promise<void> => {
    if (checkpointer !== undefined && opts.checkpoint !== undefined)
      lastCheckpoint = await checkpointer.write(step, epoch, batchInEpoch, lastCheckpoint);
  };

  const started = performance.now();
  const firstStep = step;
  let windowStart = started;
  let windowSteps = 0;
  let windowWaitMs = 0;
  let totalWaitMs = 0;
  let last = { loss: Number.NaN, accuracy: Number.NaN };
  let stopped = false;
  let earlyStopped = false;
  let lastYield = performance.now();
  const skipMode = opts.onNonFinite === "skip";
  const maxConsecutiveSkips = opts.maxConsecutiveSkips ?? 10;
  const hostStats = [0, 0, 0];
  let skipped = 0;
  let consecutiveSkips = 0;
  /** The data cursor after the newest step: its epoch and the batches of it consumed. */
  const cursor = { epoch: startEpoch, batchInEpoch: startBatch };
  for (let epoch = startEpoch; epoch < cfg.epochs && !stopped; epoch++) {
    let inEpoch = epoch === startEpoch ? startBatch : 0;
    opts.onEpoch?.(epoch, "start");
    for await (const batch of timedBatches(source.batches(epoch, inEpoch), (ms) => {
      windowWaitMs += ms;
      totalWaitMs += ms;
    })) {
      if (inEpoch >= source.batchesPerEpoch) break;
      inEpoch++;
      step++;
      cursor.epoch = epoch;
      cursor.batchInEpoch = inEpoch;
      windowSteps++;
      const rate = lr.next();
      try {
        if (hybrid === undefined) uploader.upload(batch);
        else await hybrid.upload(uploader, batch);
      } catch (e) {
        if (e instanceof RangeError) throw new BatchError(step, epoch, inEpoch - 1, e, lastCheckpoint);
        throw e;
      }
      if (hybrid !== undefined) await hybrid.forward();
      else model.forward();
      let agreedStop: boolean | undefined;
      if (skipMode) {
        const local = await backend.read(model.stats);
        const stats = hybrid === undefined ? local : await hybrid.globalStats(local);
        model.resetStats();
        if (!Number.isFinite(stats[0]!)) {
          skipped++;
          if (++consecutiveSkips > maxConsecutiveSkips) {
            throw new NonFiniteLossError(
              step,
              epoch,
              stats[0]!,
              step - consecutiveSkips + 1,
              lastCheckpoint,
              undefined,
              `${consecutiveSkips} consecutive steps had a non-finite loss (cap --max-consecutive-skips ${maxConsecutiveSkips})`,
            );
          }
          opts.onSkip?.(step, skipped);
          if (hybrid !== undefined)
            agreedStop = (await hybrid.globalStats(Float32Array.of(opts.shouldStop?.() === true ? 1 : 0)))[0]! > 0;
        } else {
          consecutiveSkips = 0;
          for (let i = 0; i < 3; i++) hostStats[i]! += stats[i]!;
          if (hybrid !== undefined) agreedStop = await hybrid.backwardAndUpdate(rate, opts.shouldStop?.() === true);
          else model.backwardAndUpdate(rate);
        }
      } else if (hybrid !== undefined) {
        agreedStop = await hybrid.backwardAndUpdate(rate, opts.shouldStop?.() === true);
      } else {
        model.backwardAndUpdate(rate);
      }
      backend.markStep();
      opts.onStep?.(step, totalSteps);
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      stopped = agreedStop ?? opts.shouldStop?.() === true;
      if (step % cfg.printFreq === 0 || step === totalSteps || stopped) {
        const local = skipMode ? hostStats.slice() : await backend.read(model.stats);
        const stats = hybrid === undefined || skipMode ? local : await hybrid.globalStats(local);
        if (skipMode) hostStats.fill(0);
        else model.resetStats();
        const now = performance.now();
        const ms = (now - windowStart) / windowSteps;
        last = { loss: stats[0]! / stats[2]!, accuracy: stats[1]! / stats[2]! };
        if (!Number.isFinite(last.loss)) {
          const scope = model.shard === undefined ? undefined : ` on rank ${model.shard.rank}'s part of the model`;
          throw new NonFiniteLossError(
            step,
            epoch,
            last.loss,
            step - windowSteps + 1,
            lastCheckpoint,
            await firstNonFinite(model),
            undefined,
            scope,
          );
        }
        opts.onPrint?.({
          epoch,
          step,
          totalSteps,
          loss: last.loss,
          accuracy: last.accuracy,
          msPerIteration: ms,
          dataWaitMsPerIteration: windowWaitMs / windowSteps,
          samplesPerSecond: (cfg.batchSize * 1000) / ms,
          learningRate: rate,
          ...(hybrid === undefined ? {} : { comm: perStep(hybrid.takeCounters(), windowSteps) }),
        });
        windowStart = now;
        windowSteps = 0;
        windowWaitMs = 0;
      }
      if (opts.onTest !== undefined && opts.onTest.every > 0 && step % opts.onTest.every === 0 && !stopped) {
        stopped = (await opts.onTest.run(model, step, epoch)) === true;
        earlyStopped = stopped;
      }
      const every = opts.checkpoint?.every ?? 0;
      const signalled = stopped && !earlyStopped;
      if (opts.checkpoint !== undefined && (signalled || (every > 0 && (step % every === 0 || earlyStopped))))
        await writeCheckpoint(epoch, inEpoch);
      if (stopped) break;
    }
    opts.onEpoch?.(epoch, "end");
  }
  if (
    opts.checkpoint !== undefined &&
    opts.checkpoint.every > 0 &&
    !stopped &&
    step > firstStep &&
    step % opts.checkpoint.every !== 0
  ) {
    await writeCheckpoint(Math.floor((step - 1) / source.batchesPerEpoch), ((step - 1) % source.batchesPerEpoch) + 1);
  }
  await backend.sync();
  const seconds = (performance.now() - started) / 1000;
  if (opts.saveModel !== undefined && !(stopped && !earlyStopped))
    await checkpointer!.writeFile(opts.saveModel, step, cursor.epoch, cursor.batchInEpoch, lastCheckpoint);
  const run = step - firstStep;
  return {
    model,
    summary: {
      steps: step,
      stopped: stopped && !earlyStopped,
      earlyStopped,
      skippedSteps: skipped,
      lastCheckpoint,
      samples: run * cfg.batchSize,
      seconds,
      finalLoss: last.loss,
      finalAccuracy: last.accuracy,
      msPerIteration: run > 0 ? (seconds * 1000) / run : 0,
      dataWaitMsPerIteration: run > 0 ? totalWaitMs / run : 0,
    },
  };
}

/** The batches of `source`, with the time each `next()` waited passed to `onWait` (ms). */
async function* timedBatches<T>(source: AsyncIterable<T>, onWait: (ms: number) => void): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const t = performance.now();
      const r = await it.next();
      onWait(performance.now() - t);
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}
