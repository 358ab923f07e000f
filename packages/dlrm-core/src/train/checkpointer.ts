/**
 * Periodic training checkpoints from inside the loop: reads the model and its optimizer
 * state back, refuses to save NaN/Inf (naming the tensor and row), and writes the checkpoint
 * with the data cursor and LR position so a resume continues exactly.
 */
import type { TrainConfig } from "../config.js";
import type { TrainingState } from "../checkpoint/checkpoint.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CHECKPOINT_FORMAT, checkpointDigest } from "../checkpoint/checkpoint.js";
import { checkpointName, pruneCheckpoints, saveToCheckpointDir } from "../checkpoint/checkpoint-dir.js";
import { writeShardedSafetensors } from "../checkpoint/sharded-write.js";
import { shardEntries } from "../parallel/shard-state.js";
import { shardingMetadata } from "../parallel/shards.js";
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
      step,
      epoch: rolled ? epoch + 1 : epoch,
      batchInEpoch: rolled ? 0 : batchInEpoch,
      lrSteps: this.lr.position.steps,
      lrLast: this.lr.position.lastLr,
      config: this.cfg,
    };
    if (this.model.shard !== undefined) return this.writeSharded(step, state, lastGood);
    const c = { weights: await this.model.stateDict(), optimizer: await this.model.optimizerStateDict(), state };
    for (const [kind, dict] of [
      ["parameter", c.weights],
      ["optimizer state", c.optimizer],
    ] as const) {
      for (const [name, t] of dict) {
        const bad = t.data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new NonFiniteTensorError(step, `${kind} ${name}`, t.shape, bad, t.data[bad]!, lastGood);
      }
    }
    const path = saveToCheckpointDir(this.where.dir, c, this.where.keep);
    this.onCheckpoint?.(path, step);
    return path;
  }

  /** Every rank writes its own tensors into the one file; rank 0 signs, renames and rotates. */
  private async writeSharded(step: number, state: TrainingState, lastGood: string | undefined): Promise<string> {
    const shard = this.model.shard!;
    const entries = await shardEntries(this.model, true);
    for (const e of entries) {
      for (const data of [...(e.data === undefined ? [] : [e.data]), ...(e.parts ?? []).map((p) => p.data)]) {
        const bad = data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0)
          throw new NonFiniteTensorError(
            step,
            e.name.startsWith("optimizer.") ? `optimizer state ${e.name}` : `parameter ${e.name}`,
            [...e.shape],
            bad,
            data[bad]!,
            lastGood,
          );
      }
    }
    mkdirSync(this.where.dir, { recursive: true });
    const path = join(this.where.dir, checkpointName(step));
    await writeShardedSafetensors(
      shard.comm,
      path,
      entries,
      { format: CHECKPOINT_FORMAT, state: JSON.stringify(state), sharding: shardingMetadata(shard.plan) },
      checkpointDigest,
    );
    if (shard.rank === 0) pruneCheckpoints(this.where.dir, this.where.keep);
    await shard.comm.barrier();
    this.onCheckpoint?.(path, step);
    return path;
  }
}
