/**
 * Periodic training checkpoints from inside the loop: reads the model and its optimizer
 * state back, refuses to save NaN/Inf (naming the tensor and row), and writes the checkpoint
 * with the data cursor and LR position so a resume continues exactly.
 */
import type { TrainConfig } from "../config.js";
import type { TrainingState } from "../checkpoint/checkpoint.js";
import { saveToCheckpointDir } from "../checkpoint/checkpoint-dir.js";
import type { DlrmModel } from "../model/dlrm.js";
import { NonFiniteTensorError } from "./errors.js";
import type { LrScheduler } from "./lr-schedule.js";

export class Checkpointer {
  constructor(
    private readonly model: DlrmModel,
    private readonly cfg: TrainConfig,
    private readonly lr: LrScheduler,
    private readonly batchesPerEpoch: number,
    private readonly where: { dir: string; keep: number },
    private readonly onCheckpoint?: (path: string, step: number) => void,
  ) {}

  /**
   * Saves the state after `step` steps, `batchInEpoch` batches into `epoch` (rolled over to
   * the next epoch when that one is done); returns the new file's path.
   */
  async write(step: number, epoch: number, batchInEpoch: number, lastGood: string | undefined): Promise<string> {
    const rolled = batchInEpoch >= this.batchesPerEpoch;
    const state: TrainingState = {
      step, epoch: rolled ? epoch + 1 : epoch, batchInEpoch: rolled ? 0 : batchInEpoch,
      lrSteps: this.lr.position.steps, lrLast: this.lr.position.lastLr, config: this.cfg,
    };
    const c = { weights: await this.model.stateDict(), optimizer: await this.model.optimizerStateDict(), state };
    for (const [kind, dict] of [["parameter", c.weights], ["optimizer state", c.optimizer]] as const) {
      for (const [name, t] of dict) {
        const bad = t.data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new NonFiniteTensorError(step, `${kind} ${name}`, t.shape, bad, t.data[bad]!, lastGood);
      }
    }
    const path = saveToCheckpointDir(this.where.dir, c, this.where.keep);
    this.onCheckpoint?.(path, step);
    return path;
  }
}
