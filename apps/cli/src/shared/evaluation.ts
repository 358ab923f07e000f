/**
 * What `dlrm train` and `dlrm eval` share about an evaluation: its one printed line, and
 * whether it reaches the --mlperf-auc-threshold / --mlperf-acc-threshold targets.
 */
import type { EvaluationResult } from "@dlrm/core";
import type { DatasetSetup } from "./dataset-flags.js";

/** dlrm-like one line for an evaluation of `split` (at a training step, when given). */
export function evaluationLine(split: string, r: EvaluationResult, step?: number): string {
  const at = step === undefined ? "" : ` at step ${step}`;
  return (
    `Testing${at} on ${split} (${r.samples} samples, ${r.batches} batches, ${r.seconds.toFixed(1)} s): ` +
    `loss ${r.loss.toFixed(6)}, accuracy ${(r.accuracy * 100).toFixed(3)} %, auc ${r.auc.toFixed(6)}, log loss ${r.logLoss.toFixed(6)}`
  );
}

/** Whether an evaluation reaches the --mlperf-*-threshold targets that are set (0 = off). */
export function reachesThresholds(
  d: Pick<DatasetSetup, "mlperfAucThreshold" | "mlperfAccThreshold">,
  r: EvaluationResult,
): boolean {
  const auc = d.mlperfAucThreshold > 0 && r.auc >= d.mlperfAucThreshold;
  const acc = d.mlperfAccThreshold > 0 && r.accuracy >= d.mlperfAccThreshold;
  return auc || acc;
}
