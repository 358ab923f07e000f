/**
 * Streaming metrics of a click model over a whole evaluation set, with bounded memory:
 * exact ROC AUC (equal float32 scores are ties, counted half), log loss, accuracy and the
 * training loss function, accumulated batch by batch in float64.
 */
import type { LossFunction } from "../backend.js";
import { scoreKey } from "./score-key.js";
import { ScoreTally } from "./score-runs.js";

export interface BinaryMetricsResult {
  samples: number;
  positives: number;
  /**
   * ROC AUC = (sum over positive/negative pairs of [s+ > s-] + 0.5 [s+ == s-]) / (P N),
   * with scores compared as float32. NaN when P = 0 or N = 0.
   */
  auc: number;
  /** -mean(y log p + (1-y) log(1-p)), p clipped to [1e-15, 1 - 1e-15] (sklearn's log_loss). */
  logLoss: number;
  /** Fraction with round(p) == y, p = 0.5 rounding to 0 (the backends' rule). */
  accuracy: number;
  /** Mean of the training loss: bce as torch's BCELoss (logs floored at -100), or mse. */
  loss: number;
}

const LOG_LOSS_EPS = 1e-15;

export class BinaryMetrics {
  private readonly tally: ScoreTally;
  private samples = 0;
  private positives = 0;
  private logLossSum = 0;
  private lossSum = 0;
  private correct = 0;

  /** `capacity`: distinct scores held in memory before spilling a sorted run to disk. */
  constructor(
    private readonly lossFunction: LossFunction,
    capacity?: number,
  ) {
    this.tally = new ScoreTally(capacity);
  }

  /** Runs spilled to disk so far (0 while every distinct score fits in memory). */
  get spilledRuns(): number {
    return this.tally.spilledRuns;
  }

  /** Adds samples [0, count) of probabilities p (in [0, 1]) with 0/1 targets y. */
  add(probs: ArrayLike<number>, targets: ArrayLike<number>, count = probs.length): void {
    for (let i = 0; i < count; i++) {
      const p = probs[i]!;
      const y = targets[i]!;
      if (!(p >= 0 && p <= 1)) throw new RangeError(`probability of sample ${this.samples} is ${p}, outside [0, 1]`);
      if (y !== 0 && y !== 1) throw new RangeError(`target of sample ${this.samples} is ${y}, not 0 or 1`);
      this.tally.add(scoreKey(p), y, 1 - y);
      this.samples++;
      this.positives += y;
      const q = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
      this.logLossSum -= y === 1 ? Math.log(q) : Math.log(1 - q);
      this.lossSum +=
        this.lossFunction === "mse"
          ? (p - y) ** 2
          : -(y === 1 ? Math.max(Math.log(p), -100) : Math.max(Math.log(1 - p), -100));
      if ((p > 0.5 ? 1 : 0) === y) this.correct++;
    }
  }

  /** The metrics so far; walks the score tally in ascending order once. */
  result(): BinaryMetricsResult {
    const P = this.positives;
    const N = this.samples - P;
    let negativesBelow = 0;
    let pairs = 0;
    for (const e of this.tally.sortedEntries()) {
      pairs += e.positives * (negativesBelow + e.negatives / 2);
      negativesBelow += e.negatives;
    }
    const n = this.samples;
    return {
      samples: n,
      positives: P,
      auc: P > 0 && N > 0 ? pairs / (P * N) : Number.NaN,
      logLoss: this.logLossSum / n,
      accuracy: this.correct / n,
      loss: this.lossSum / n,
    };
  }

  /** Removes any spilled runs. */
  dispose(): void {
    this.tally.dispose();
  }
}
