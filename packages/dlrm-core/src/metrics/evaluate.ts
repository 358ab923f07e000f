/**
 * Forward-only evaluation of a trained model over a batch source: per batch, upload,
 * forward, read the B probabilities back and stream them into BinaryMetrics. The model's
 * running loss statistics (the trainer's print window) are saved first and restored after,
 * so evaluating in the middle of training does not disturb the printed loss. On one rank
 * of several, each rank scores its slice and every rank gathers the whole batch's scores.
 */
import type { Batch, BatchSource } from "../data/batch.js";
import type { DlrmModel } from "../model/dlrm.js";
import { BatchUploader } from "../train/upload.js";
import { HybridStep } from "../parallel/hybrid-step.js";
import { BinaryMetrics, type BinaryMetricsResult } from "./binary-metrics.js";

/** A batch whose last samples may be padding: only the first `count` are scored. */
export interface CountedBatch extends Batch {
  count?: number;
}

export interface EvaluateOptions {
  /** Stop after this many batches (0 or undefined = all). */
  maxBatches?: number;
  /** Distinct scores kept in memory before spilling to disk (see ScoreTally). */
  tallyCapacity?: number;
  /** Called after each batch with (batches done, batches in the source). */
  onBatch?(done: number, total: number): void;
  /**
   * Called per batch with the batch's probabilities [B] and targets [B] in sample order,
   * of which the first `count` are real samples (the rest padding); for `dlrm predict`.
   */
  onScores?(probs: Float32Array, targets: Float32Array, count: number): void | Promise<void>;
}

export interface EvaluationResult extends BinaryMetricsResult {
  batches: number;
  seconds: number;
}

/** Evaluates `model` on every batch of `source` (epoch 0); batches must have the model's batch size. */
export async function evaluate(
  model: DlrmModel,
  source: BatchSource,
  opts: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const be = model.backend;
  const B = model.config.batchSize;
  const saved = Float32Array.from(await be.read(model.stats));
  const uploader = new BatchUploader(be, model);
  const hybrid = model.shard === undefined ? undefined : new HybridStep(model);
  const globalProbs = new Float32Array(B);
  const metrics = new BinaryMetrics(model.config.loss, opts.tallyCapacity);
  const started = performance.now();
  const total = opts.maxBatches ? Math.min(opts.maxBatches, source.batchesPerEpoch) : source.batchesPerEpoch;
  let batches = 0;
  try {
    for await (const batch of source.batches(0) as AsyncIterable<CountedBatch>) {
      if (batches >= total) break;
      if (hybrid === undefined) uploader.upload(batch);
      else await hybrid.upload(uploader, batch);
      let probs: Float32Array;
      if (hybrid === undefined) {
        model.forward();
        probs = (await be.read(model.probs)) as Float32Array;
      } else {
        // Every rank scores its slice; all gather the whole batch's scores in sample order.
        await hybrid.forward();
        const local = ((await be.read(model.probs)) as Float32Array).subarray(0, model.localBatch);
        await hybrid.comm.allGatherV(
          local,
          globalProbs,
          Array.from({ length: hybrid.comm.worldSize }, () => model.localBatch),
        );
        probs = globalProbs;
      }
      const count = Math.min(batch.count ?? B, B);
      metrics.add(probs, batch.targets, count);
      await opts.onScores?.(probs, batch.targets, count);
      batches++;
      opts.onBatch?.(batches, total);
    }
    be.write(model.stats, saved);
    const result = metrics.result();
    return { ...result, batches, seconds: (performance.now() - started) / 1000 };
  } finally {
    metrics.dispose();
  }
}
