/**
 * Training checkpoints from inside the loop (periodic ones into a directory, and the
 * `--save-model` file after the last step): reads the model and its optimizer state back,
 * refuses to save NaN/Inf (naming the tensor and row), and writes the checkpoint with the
 * data cursor and LR position so a resume continues exactly.
 */
import type { TrainConfig } from "../config.js";
import type { Checkpoint, TrainingState } from "../checkpoint/checkpoint.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CHECKPOINT_FORMAT, checkpointDigest, isOptimizerTensor, saveCheckpoint } from "../checkpoint/checkpoint.js";
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
   * the next epoch when that one is done) into the checkpoint directory; returns the new file's path.
   */
  async write(step: number, epoch: number, batchInEpoch: number, lastGood: string | undefined): Promise<string> {
    const rolled = batchInEpoch >= this.batchesPerEpoch;
    const state = this.state(step, rolled ? epoch + 1 : epoch, rolled ? 0 : batchInEpoch);
    if (this.model.shard !== undefined) {
      mkdirSync(this.where.dir, { recursive: true });
      const path = join(this.where.dir, checkpointName(step));
      await this.writeSharded(path, step, state, lastGood);
      if (this.model.shard.rank === 0) pruneCheckpoints(this.where.dir, this.where.keep);
      await this.model.shard.comm.barrier();
      this.onCheckpoint?.(path, step);
      return path;
    }
    const path = saveToCheckpointDir(this.where.dir, await this.checked(step, state, lastGood), this.where.keep);
    this.onCheckpoint?.(path, step);
    return path;
  }

  /**
   * Saves the state after `step` steps to the file `path` (`--save-model`), with the cursor
   * not rolled over (`batchInEpoch` may equal the epoch's batches), so that a run with more
   * batches per epoch continues inside the epoch and one with as many starts the next.
   */
  async writeFile(
    path: string,
    step: number,
    epoch: number,
    batchInEpoch: number,
    lastGood: string | undefined,
  ): Promise<void> {
    const state = this.state(step, epoch, batchInEpoch);
    if (this.model.shard !== undefined) {
      await this.writeSharded(path, step, state, lastGood);
      await this.model.shard.comm.barrier();
    } else {
      saveCheckpoint(path, await this.checked(step, state, lastGood));
    }
  }

  private state(step: number, epoch: number, batchInEpoch: number): TrainingState {
    return {
      step,
      epoch,
      batchInEpoch,
      lrSteps: this.lr.position.steps,
      lrLast: this.lr.position.lastLr,
      config: this.cfg,
    };
  }

  /** The model and optimizer state read back, refusing NaN/Inf. */
  private async checked(step: number, state: TrainingState, lastGood: string | undefined): Promise<Checkpoint> {
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
    return c;
  }

  /** Every rank writes its own tensors into the one file at `path`; rank 0 signs and renames. */
  private async writeSharded(
    path: string,
    step: number,
    state: TrainingState,
    lastGood: string | undefined,
  ): Promise<void> {
    const shard = this.model.shard!;
    const entries = await shardEntries(this.model, true);
    for (const e of entries) {
      for (const data of [...(e.data === undefined ? [] : [e.data]), ...(e.parts ?? []).map((p) => p.data)]) {
        const bad = data.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0)
          throw new NonFiniteTensorError(
            step,
            isOptimizerTensor(e.name) ? `optimizer state ${e.name}` : `parameter ${e.name}`,
            [...e.shape],
            bad,
            data[bad]!,
            lastGood,
          );
      }
    }
    await writeShardedSafetensors(
      shard.comm,
      path,
      entries,
      { format: CHECKPOINT_FORMAT, state: JSON.stringify(state), sharding: shardingMetadata(shard.plan) },
      checkpointDigest,
    );
  }
}
