/**
 * dlrm's learning-rate policy (LRPolicyScheduler in dlrm_s_pytorch.py): linear warmup over
 * W steps, then polynomial decay of power 2 from step S over N steps, floored at 1e-7;
 * between warmup and decay, and after decay, the last computed rate is kept.
 * Steps count from 1 (PyTorch's scheduler has stepped once when training starts).
 */

export interface LrSchedule {
  baseLr: number;
  numWarmupSteps: number;
  decayStartStep: number;
  numDecaySteps: number;
}

const MIN_LR = 1e-7;

/** Thrown when the decay would start before warmup ends (dlrm refuses that too). */
export function checkLrSchedule(s: LrSchedule): void {
  if (s.numDecaySteps > 0 && s.decayStartStep < s.numWarmupSteps) {
    throw new RangeError(
      `--lr-decay-start-step (${s.decayStartStep}) must not come before the end of warmup (--lr-num-warmup-steps ${s.numWarmupSteps})`,
    );
  }
}

/** A stateful schedule: `next()` returns the rate for training steps 1, 2, 3, ... in turn. */
export class LrScheduler {
  private stepCount = 0;
  private lastLr: number;

  constructor(private readonly s: LrSchedule) {
    checkLrSchedule(s);
    this.lastLr = s.baseLr;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** The position to save in a checkpoint. */
  get position(): { steps: number; lastLr: number } {
    return { steps: this.stepCount, lastLr: this.lastLr };
  }

  /** Continues from a saved position. */
  restore(p: { steps: number; lastLr: number }): void {
    this.stepCount = p.steps;
    this.lastLr = p.lastLr;
  }

  /** The learning rate of the next training step. */
  next(): number {
    const step = ++this.stepCount;
    const { baseLr, numWarmupSteps: w, decayStartStep: start, numDecaySteps: n } = this.s;
    if (step < w) {
      this.lastLr = baseLr * (1 - (w - step) / w);
      return this.lastLr;
    }
    if (start <= step && step < start + n) {
      const scale = ((n - (step - start)) / n) ** 2;
      this.lastLr = Math.max(MIN_LR, baseLr * scale);
      return this.lastLr;
    }
    return n > 0 ? this.lastLr : baseLr;
  }
}
