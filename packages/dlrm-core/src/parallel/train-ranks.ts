/**
 * Trains one model as `worldSize` in-process ranks (createInProcessGroup), each rank with its
 * own backend, and returns rank 0's printed losses and the whole model's weights gathered
 * from the owners: what hybrid-parallel parity tests compare against one process.
 */
import type { Backend } from "../backend.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import type { TrainConfig } from "../config.js";
import type { BatchSource } from "../data/batch.js";
import { createInProcessGroup } from "../comm/in-process.js";
import { trainModel, type TrainOptions } from "../train/trainer.js";

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
    const weights: StateDict = new Map();
    const optimizer: StateDict = new Map();
    for (const { model } of runs) {
      for (const [k, v] of await model.stateDict()) if (!weights.has(k)) weights.set(k, v);
      for (const [k, v] of await model.optimizerStateDict()) if (!optimizer.has(k)) optimizer.set(k, v);
    }
    return { losses, weights, optimizer };
  } finally {
    for (const b of backends) b.dispose();
  }
}
