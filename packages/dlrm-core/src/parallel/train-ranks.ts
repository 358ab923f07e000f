/**
 * Trains one model as `worldSize` in-process ranks (createInProcessGroup), each rank with its
 * own backend, and returns rank 0's printed losses and the whole model's weights assembled
 * from the ranks' pieces: what hybrid-parallel parity tests compare against one process.
 */
import type { Backend } from "../backend.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import type { TrainConfig } from "../config.js";
import type { BatchSource } from "../data/batch.js";
import { createInProcessGroup } from "../comm/in-process.js";
import { trainModel, type TrainOptions } from "../train/trainer.js";
import type { DlrmModel } from "../model/dlrm.js";
import { placePiece } from "../model/pieces.js";

/**
 * The whole model's parameters (or optimizer state) assembled from every rank's pieces: a
 * whole table (QR/MD sub-tables, MD projections and v_W_l.<t> included) from the rank that
 * holds it, the MLPs from rank 0.
 */
export async function gatherState(models: readonly DlrmModel[], accumulators: boolean): Promise<StateDict> {
  const out: StateDict = new Map();
  for (const model of models) {
    const named = accumulators ? await model.optimizerStateDict() : await model.stateDict();
    const cfg = model.config;
    for (const [name, t] of named) {
      const piece = model.pieces.find((p) => p.name === name);
      if (piece === undefined || piece.shard.kind === "table") {
        if (!out.has(name)) out.set(name, t);
        continue;
      }
      const rows = cfg.model.tableRows[piece.shard.table]!;
      const cols = accumulators && cfg.optimizer === "rwsadagrad" ? 1 : cfg.model.embeddingDim;
      let whole = out.get(name);
      if (whole === undefined) {
        whole = { dtype: "F32", shape: [rows, cols], data: new Float32Array(rows * cols) };
        out.set(name, whole);
      }
      placePiece(whole.data, cols, piece.shard, t.data);
    }
  }
  return out;
}

export interface RanksResult {
  /** Rank 0's loss at every print step. */
  losses: number[];
  /** Every parameter, each from the rank that holds it. */
  weights: StateDict;
  /** Every optimizer accumulator, likewise. */
  optimizer: StateDict;
}

export async function trainRanks(
  worldSize: number,
  backendFor: (rank: number) => Promise<Backend> | Backend,
  cfg: TrainConfig,
  sourceFor: (rank: number) => BatchSource,
  opts: (rank: number) => TrainOptions = () => ({}),
): Promise<RanksResult> {
  const comms = createInProcessGroup(worldSize);
  const losses: number[] = [];
  const backends = await Promise.all(comms.map((_, r) => backendFor(r)));
  try {
    const runs = await Promise.all(
      comms.map((comm, r) => {
        const o = opts(r);
        return trainModel(backends[r]!, cfg, sourceFor(r), {
          ...o,
          comm,
          onPrint: (p) => {
            if (r === 0) losses.push(p.loss);
            o.onPrint?.(p);
          },
        });
      }),
    );
    const models = runs.map((r) => r.model);
    return { losses, weights: await gatherState(models, false), optimizer: await gatherState(models, true) };
  } finally {
    for (const b of backends) b.dispose();
  }
}
