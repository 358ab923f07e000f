/**
 * Forward-only evaluation of a QuantizedDlrm over a batch source, as `evaluate` does it for
 * a backend model: per batch the B probabilities, the first `count` of them streamed into
 * BinaryMetrics and handed to `onScores`; the same options and result.
 */
import {
  BinaryMetrics,
  type BatchSource,
  type CountedBatch,
  type EvaluateOptions,
  type EvaluationResult,
  type LossFunction,
} from "@dlrm/core";
import type { QuantizedDlrm } from "./quantized-dlrm.js";

/** Evaluates `model` on every batch of `source` (epoch 0). */
export async function evaluateQuantized(
  model: QuantizedDlrm,
  source: BatchSource,
  loss: LossFunction,
  opts: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const metrics = new BinaryMetrics(loss, opts.tallyCapacity);
  const started = performance.now();
  const total = opts.maxBatches ? Math.min(opts.maxBatches, source.batchesPerEpoch) : source.batchesPerEpoch;
  let batches = 0;
  try {
    for await (const batch of source.batches(0) as AsyncIterable<CountedBatch>) {
      if (batches >= total) break;
      const count = Math.min(batch.count ?? batch.targets.length, batch.targets.length);
      const probs = model.score(batch, count);
      metrics.add(probs, batch.targets, count);
      await opts.onScores?.(probs, batch.targets, count);
      batches++;
      opts.onBatch?.(batches, total);
    }
    return { ...metrics.result(), batches, seconds: (performance.now() - started) / 1000 };
  } finally {
    metrics.dispose();
  }
}
