/**
 * Random data with dlrm's semantics (`--data-generation random`): dense uniform [0, 1);
 * per table and sample a bag of k draws (k uniform in 1..min(rows, N), or exactly N with
 * `--num-indices-per-lookup-fixed`), indices uniform over the rows, sorted and de-duplicated
 * (or, with `--rand-data-dist gaussian`, normal draws clipped to [min, max], the distinct
 * values sorted and truncated to integers, as dlrm's generate_dist_input_batch; or, with
 * `--data-generation synthetic`, k = max(1, round(u * min(rows, N))) references replayed from
 * the table's trace distribution, data/trace-distribution.ts);
 * targets uniform [0, 1), rounded with `--round-targets`. Each batch has its own seeded
 * stream (seed, batch number), so batches are made one at a time, never all at once.
 */
import type { RandomDataConfig, RandomIndexDistribution, TrainConfig } from "../config.js";
import { Rng } from "../util/rng.js";
import { traceBag } from "./trace-distribution.js";
import type { Batch, BatchSource } from "./batch.js";

/** The gaussian's parameters with dlrm's mu = -1 default resolved; undefined: uniform. */
function gaussianOf(
  d: RandomIndexDistribution | undefined,
): { min: number; max: number; mu: number; sigma: number } | undefined {
  if (d === undefined || d.kind !== "gaussian") return undefined;
  return { ...d, mu: d.mu === -1 ? (d.min + d.max) / 2 : d.mu };
}

/**
 * Refuses a gaussian whose range leaves a table (indices past its last row) or is empty,
 * naming the flag.
 */
export function checkIndexDistribution(d: RandomIndexDistribution | undefined, tableRows: readonly number[]): void {
  if (d?.kind === "trace" && d.tables.length !== tableRows.length)
    throw new RangeError(`--data-trace-file: ${d.tables.length} distributions for ${tableRows.length} tables`);
  if (d === undefined || d.kind !== "gaussian") return;
  if (!(d.sigma > 0)) throw new RangeError(`--rand-data-sigma: expected a positive number, got ${d.sigma}`);
  if (!(d.min >= 0)) throw new RangeError(`--rand-data-min: expected a row number >= 0, got ${d.min}`);
  if (!(d.max >= d.min)) throw new RangeError(`--rand-data-max: ${d.max} is below --rand-data-min ${d.min}`);
  const t = tableRows.findIndex((rows) => Math.trunc(d.max) > rows - 1);
  if (t >= 0)
    throw new RangeError(
      `--rand-data-max: ${d.max} is past table ${t}'s last row ${tableRows[t]! - 1}; give at most ${Math.min(...tableRows) - 1}`,
    );
}

/** Makes batch `index` (0-based) of the random data set. Deterministic in (seed, index). */
export function randomBatch(cfg: TrainConfig, data: RandomDataConfig, index: number): Batch {
  const m = cfg.model;
  const B = cfg.batchSize;
  const rng = new Rng(cfg.seed, 1 + index);
  const denseIn = m.bottomMlp[0]!;
  const dense = new Float32Array(B * denseIn);
  for (let i = 0; i < dense.length; i++) dense[i] = rng.uniform();
  const T = m.tableRows.length;
  const N = data.numIndicesPerLookup;
  const gauss = gaussianOf(data.indexDistribution);
  const trace = data.indexDistribution?.kind === "trace" ? data.indexDistribution : undefined;
  const offsets = new Int32Array(T * B + 1);
  const indices: number[] = [];
  const bag: number[] = [];
  for (let t = 0; t < T; t++) {
    const rows = m.tableRows[t]!;
    for (let b = 0; b < B; b++) {
      offsets[t * B + b] = indices.length;
      if (trace !== undefined) {
        // dlrm's synthetic bag size: max(1, round(u * min(rows, N))), then the LRU replay.
        const k = data.numIndicesPerLookupFixed ? N : Math.max(1, Math.round(rng.uniform() * Math.min(rows, N)));
        for (const r of traceBag(trace.tables[t]!, k, trace.enablePadding, rows, () => rng.uniform())) indices.push(r);
        continue;
      }
      const k = data.numIndicesPerLookupFixed ? N : 1 + rng.int(Math.min(rows, N));
      bag.length = 0;
      if (gauss === undefined) for (let j = 0; j < k; j++) bag.push(rng.int(rows));
      else
        for (let j = 0; j < k; j++)
          bag.push(Math.min(gauss.max, Math.max(gauss.min, gauss.mu + gauss.sigma * rng.normal())));
      bag.sort((x, y) => x - y);
      for (let j = 0; j < bag.length; j++) if (j === 0 || bag[j] !== bag[j - 1]) indices.push(Math.trunc(bag[j]!));
    }
  }
  offsets[T * B] = indices.length;
  const targets = new Float32Array(B);
  for (let i = 0; i < B; i++) targets[i] = data.roundTargets ? Math.round(rng.uniform()) : rng.uniform();
  return { dense, sparse: { indices: Int32Array.from(indices), offsets }, targets };
}

/**
 * The random source: floor(dataSize / B) batches per epoch (partial batch dropped), or
 * exactly --num-batches when it is set (dlrm lets it override --data-size for random data).
 */
export function createRandomSource(cfg: TrainConfig, data: RandomDataConfig): BatchSource {
  const batchesPerEpoch = cfg.numBatches > 0 ? cfg.numBatches : Math.floor(data.dataSize / cfg.batchSize);
  if (batchesPerEpoch === 0) {
    throw new RangeError(`--data-size ${data.dataSize} holds no whole batch of --mini-batch-size ${cfg.batchSize}`);
  }
  if (!Number.isInteger(data.numIndicesPerLookup) || data.numIndicesPerLookup <= 0) {
    throw new RangeError(`--num-indices-per-lookup: expected a positive integer, got ${data.numIndicesPerLookup}`);
  }
  checkIndexDistribution(data.indexDistribution, cfg.model.tableRows);
  return {
    batchesPerEpoch,
    // Bags are de-duplicated, so none holds more indices than its table has rows.
    maxIndicesPerBag:
      data.indexDistribution?.kind === "trace"
        ? data.numIndicesPerLookup
        : Math.min(data.numIndicesPerLookup, Math.max(...cfg.model.tableRows)),
    description: `random data: ${batchesPerEpoch} batches of ${cfg.batchSize} per epoch, up to ${data.numIndicesPerLookup} indices per bag${describeDistribution(data.indexDistribution)}`,
    async *batches(_epoch: number, from = 0) {
      for (let i = from; i < batchesPerEpoch; i++) yield randomBatch(cfg, data, i);
    },
  };
}

/** The start-up words for a non-default index distribution. */
function describeDistribution(d: RandomIndexDistribution | undefined): string {
  if (d?.kind === "trace")
    return `, synthetic indices from ${d.files.length === 1 ? d.files[0] : `${d.files[0]} ... ${d.files[d.files.length - 1]}`}${d.enablePadding ? " (padded)" : ""}`;
  const g = gaussianOf(d);
  return g === undefined ? "" : `, gaussian indices (mu ${g.mu}, sigma ${g.sigma}, clipped to [${g.min}, ${g.max}])`;
}
