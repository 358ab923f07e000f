/**
 * Shared by the multi-rank parity tests: the small model and random data they train, and
 * the whole-tensor relative error they compare state dicts by (max |a - b| / max |b|).
 */
import { DEFAULT_RANDOM_DATA, DEFAULT_TRAIN_CONFIG, type TrainConfig } from "../config.js";
import type { StateDict } from "../checkpoint/safetensors.js";

export const base: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: {
    ...DEFAULT_TRAIN_CONFIG.model,
    tableRows: [50, 40, 30, 20, 60],
    bottomMlp: [6, 12, 8],
    topMlp: [16, 1],
    embeddingDim: 8,
  },
  batchSize: 24,
  learningRate: 0.05,
  loss: "bce",
  printFreq: 1,
  numBatches: 6,
};

export const data = { ...DEFAULT_RANDOM_DATA, dataSize: 24 * 6, numIndicesPerLookup: 3 };

/** max |a - b| / max |b| over a tensor: the relative error of the whole tensor. */
export function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The worst relErr over two state dicts with the same names (a different name set throws). */
export function worstTensor(a: StateDict, b: StateDict): number {
  const names = (d: StateDict): string => [...d.keys()].sort().join(",");
  if (names(a) !== names(b)) throw new Error(`the state dicts hold different tensors: ${names(a)} vs ${names(b)}`);
  return Math.max(...[...b].map(([k, t]) => relErr(a.get(k)!.data, t.data)));
}
