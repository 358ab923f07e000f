/**
 * What `dlrm train` and `dlrm eval` share about an evaluation: its one printed line, and
 * whether it reaches the --mlperf-auc-threshold / --mlperf-acc-threshold targets.
 */
import type { EvaluationResult } from "@dlrm/core";
import type { DatasetSetup } from "./dataset-flags.js";

/**
 * dlrm-like one line for an evaluation of `split` (at a training step, when given); `digits`
 * (--print-precision) sets the digits of the loss, accuracy (%), AUC and log loss, else 6, 3, 6, 6.
 */
export function evaluationLine(split: string, r: EvaluationResult, step?: number, digits?: number): string {
  const at = step === undefined ? "" : ` at step ${step}`;
  const f = (x: number, d: number): string => x.toFixed(digits ?? d);
  return (
    `Testing${at} on ${split} (${r.samples} samples, ${r.batches} batches, ${r.seconds.toFixed(1)} s): ` +
    `loss ${f(r.loss, 6)}, accuracy ${f(r.accuracy * 100, 3)} %, auc ${f(r.auc, 6)}, log loss ${f(r.logLoss, 6)}`
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
