/**
 * The sparse batches shared by the embedding-bag, sparse-optimizer and fused cases: B = 1,
 * empty bags, a table whose bags are all empty, repeated indices within and across bags,
 * the last row of the last table, D not a multiple of 4, NNZ above one 256-wide GPU
 * workgroup, a medium-like table (D = 64, 38 indices per bag) and a Kaggle-like 26 tables.
 */
import { randomBags } from "./case.js";
import type { Rng } from "./rng.js";

/** One sparse batch shape and how to draw its bags. */
export interface SparseConfig {
  readonly label: string;
  readonly tableRows: readonly number[];
  readonly batchSize: number;
  readonly dim: number;
  bags(rng: Rng): number[][];
}

/** Every sparse configuration. */
export const SPARSE_CONFIGS: readonly SparseConfig[] = [
  {
    label: "B=1 T=1 D=3 repeats and last row",
    tableRows: [5],
    batchSize: 1,
    dim: 3,
    bags: () => [[4, 1, 4, 0]],
  },
  {
    label: "B=4 T=3 D=5 empty bags",
    tableRows: [7, 1, 13],
    batchSize: 4,
    dim: 5,
    bags: (rng) => {
      const bags = randomBags(rng, [7, 1, 13], 4, { minLen: 0, maxLen: 4, lastRow: true, repeatWithin: true });
      bags[1] = [];
      bags[6] = [];
      return bags;
    },
  },
  {
    label: "B=3 T=2 D=4 first table all empty",
    tableRows: [4, 6],
    batchSize: 3,
    dim: 4,
    bags: (rng) => [[], [], [], ...randomBags(rng, [6], 3, { minLen: 1, maxLen: 3, lastRow: true })],
  },
  {
    label: "B=8 T=2 D=6 NNZ>256",
    tableRows: [50, 1000],
    batchSize: 8,
    dim: 6,
    bags: (rng) => randomBags(rng, [50, 1000], 8, { minLen: 20, maxLen: 40, lastRow: true, repeatWithin: true }),
  },
  {
    label: "B=16 T=1 D=64 38 per bag (medium-like)",
    tableRows: [3000],
    batchSize: 16,
    dim: 64,
    bags: (rng) => randomBags(rng, [3000], 16, { minLen: 38, maxLen: 38, lastRow: true }),
  },
  {
    label: "B=4 T=26 D=16 (Kaggle-like)",
    tableRows: Array.from({ length: 26 }, (_, t) => 3 + ((t * 37) % 200)),
    batchSize: 4,
    dim: 16,
    bags: (rng) =>
      randomBags(
        rng,
        Array.from({ length: 26 }, (_, t) => 3 + ((t * 37) % 200)),
        4,
        { minLen: 0, maxLen: 3, lastRow: true },
      ),
  },
];
