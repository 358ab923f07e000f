/**
 * What may change between a checkpoint and the run that resumes it: the model, batch size,
 * optimizer, loss and seed must match (else the resume would not be exact, and one error
 * lists every difference); epochs, batch counts and printing may change (training longer),
 * and a checkpoint whose run has no steps left is said out loud.
 */
import type { TrainConfig } from "@dlrm/core";
import { UsageError } from "./errors.js";

const MUST_MATCH: (keyof TrainConfig)[] = [
  "model",
  "batchSize",
  "optimizer",
  "loss",
  "lossThreshold",
  "seed",
  "learningRate",
  "lrNumWarmupSteps",
  "lrDecayStartStep",
  "lrNumDecaySteps",
  "precision",
];

/**
 * Throws a UsageError for `flag` (--resume, or --load-model of a --save-model file) naming
 * every field where `run` differs from the checkpoint's `saved` configuration.
 */
export function checkResumeConfig(saved: TrainConfig, run: TrainConfig, path: string, flag = "--resume"): void {
  const diffs = MUST_MATCH.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(run[k])).map(
    (k) => `${k}: checkpoint ${JSON.stringify(saved[k])}, this run ${JSON.stringify(run[k])}`,
  );
  if (diffs.length > 0) throw new UsageError(flag, `${path} was made with another configuration: ${diffs.join("; ")}`);
}

/**
 * Steps a run of `epochs` epochs of `batchesPerEpoch` batches has left after a checkpoint's
 * cursor (`batchInEpoch` may equal the epoch's length: then the next epoch starts).
 */
export function stepsLeft(
  cursor: { epoch: number; batchInEpoch: number },
  batchesPerEpoch: number,
  epochs: number,
): number {
  const rolled = cursor.batchInEpoch >= batchesPerEpoch;
  const epoch = rolled ? cursor.epoch + 1 : cursor.epoch;
  const batch = rolled ? 0 : cursor.batchInEpoch;
  return Math.max(0, (epochs - epoch) * batchesPerEpoch - batch);
}
