/**
 * A BatchSource over one split of a preprocessed directory: train (all days but the last),
 * test or val (halves of the last day), or all. Training rows may be shuffled once, seeded,
 * as dlrm's --data-randomize does: `total` (one permutation of the split) or `day` (within
 * each day); test and validation keep file order. Rows are held in memory, or read per
 * batch by positional reads (`memoryMap`, dlrm's --memory-map), through a read-ahead queue;
 * batches are assembled on the main thread or in a worker thread (`prefetchThread`). With
 * `storedMultiHot` each batch's bags are the ones the directory stores (multi-hot-store.ts),
 * read for the batch's rows instead of the one-hot indices.
 */
import { Rng } from "../../util/rng.js";
import type { Batch, BatchSource } from "../batch.js";
import { assembleBatch } from "./batch-assembly.js";
import { ROW_INTS } from "./binary-rows.js";
import { gatherBatchRows } from "./batch-rows.js";
import { readAhead } from "./prefetch.js";
import type { ProcessedDataset } from "./processed-dataset.js";
import { splitRange, type SplitName } from "./splits.js";
import { workerReadAhead, type AssemblyInit } from "./worker-prefetch.js";
import { StoredMultiHotBags } from "./multi-hot-store.js";

export type DataRandomize = "total" | "day" | "none";

/** Where batches are assembled: a worker thread, or the main thread (reads still go to the thread pool). */
export type PrefetchThread = "worker" | "main";

/** The default of `prefetchThread`. */
export const DEFAULT_PREFETCH_THREAD: PrefetchThread = "main";

export interface CriteoSourceOptions {
  split: SplitName;
  batchSize: number;
  /** Shuffling of the train split (default none; other splits are never shuffled). */
  randomize?: DataRandomize;
  seed?: number;
  /** At most this many batches per epoch (0 = all). */
  numBatches?: number;
  /** Keep a last partial batch, padded, with its `count` (evaluation); training drops it. */
  keepPartial?: boolean;
  /** Read each batch from disk instead of loading the split into memory. */
  memoryMap?: boolean;
  /** Batches requested ahead of the consumer (default 4). */
  prefetch?: number;
  /** Assemble batches in a worker thread or on the main thread (default DEFAULT_PREFETCH_THREAD). */
  prefetchThread?: PrefetchThread;
  /** Read the multi-hot bags the directory stores for this split (ensureMultiHotStore) instead of one-hot indices. */
  storedMultiHot?: boolean;
}

/** Largest split loaded into memory without --memory-map. */
const MAX_IN_MEMORY_BYTES = 4 * 2 ** 30;

/** Fisher-Yates permutation of [0, n), one shuffle per day segment for "day". */
export function shuffleOrder(
  n: number,
  segments: readonly number[],
  mode: DataRandomize,
  seed: number,
): Uint32Array | undefined {
  if (mode === "none") return undefined;
  if (n > 2 ** 32 - 1)
    throw new RangeError(
      `--data-randomize ${mode}: ${n} rows are too many for one permutation; use --data-randomize none`,
    );
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Rng(seed, 0x5eed);
  const bounds = mode === "total" ? [n] : segments;
  let start = 0;
  for (const len of bounds) {
    for (let i = len - 1; i > 0; i--) {
      const j = start + rng.int(i + 1);
      const a = order[start + i]!;
      order[start + i] = order[j]!;
      order[j] = a;
    }
    start += len;
  }
  return order;
}

/** Rows [start, start+n) of `ds` in shared memory (seen by the assembly worker without a copy). */
function sharedRange(ds: ProcessedDataset, start: number, n: number): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(n * ROW_INTS * 4));
  ds.readSync(start, n, out);
  return out;
}

/** A copy of a permutation in shared memory. */
function shared(order: Uint32Array): Uint32Array {
  const out = new Uint32Array(new SharedArrayBuffer(order.byteLength));
  out.set(order);
  return out;
}

/** A BatchSource over one split of `ds` (see the file header). */
export function createCriteoDatasetSource(ds: ProcessedDataset, o: CriteoSourceOptions): BatchSource {
  const B = o.batchSize;
  const range = splitRange(o.split, ds.summary.dayRows);
  const n = range.end - range.start;
  const whole = Math.floor(n / B);
  const all = o.keepPartial && n % B !== 0 ? whole + 1 : whole;
  const batchesPerEpoch = o.numBatches ? Math.min(all, o.numBatches) : all;
  if (batchesPerEpoch === 0)
    throw new RangeError(`${ds.dir}: the ${o.split} split has ${n} rows, no whole batch of ${B}`);
  const mode = o.split === "train" ? (o.randomize ?? "none") : "none";
  const permutation = shuffleOrder(n, ds.summary.dayRows.slice(0, -1), mode, o.seed ?? 0);
  const thread = o.prefetchThread ?? DEFAULT_PREFETCH_THREAD;
  const order = permutation !== undefined && thread === "worker" ? shared(permutation) : permutation;
  if (!o.memoryMap && n * ROW_INTS * 4 > MAX_IN_MEMORY_BYTES) {
    throw new RangeError(
      `the ${o.split} split is ${((n * ROW_INTS * 4) / 2 ** 30).toFixed(1)} GiB; use --memory-map to read it from disk`,
    );
  }
  const inMemory = o.memoryMap
    ? undefined
    : thread === "worker"
      ? sharedRange(ds, range.start, n)
      : ds.loadRange(range.start, range.end);
  const split = { start: range.start, n, batchSize: B, inMemory, order, readSync: ds.readSync.bind(ds) };

  const load = async (i: number): Promise<Batch> => {
    const first = i * B;
    const count = Math.min(B, n - first);
    if (order === undefined && inMemory === undefined) {
      const rows = new Int32Array(count * ROW_INTS);
      await ds.read(range.start + first, count, rows);
      return assembleBatch(rows, B, count);
    }
    const g = gatherBatchRows(split, i);
    return assembleBatch(g.rows, B, g.count);
  };
  const init = (): AssemblyInit => {
    const a: AssemblyInit = { dir: ds.dir, start: range.start, n, batchSize: B };
    if (inMemory !== undefined) a.rows = inMemory.buffer as SharedArrayBuffer;
    if (order !== undefined) a.order = order.buffer as SharedArrayBuffer;
    return a;
  };
  const shuffled = mode === "none" ? "file order" : `shuffled (${mode}, seed ${o.seed ?? 0})`;
  const oneHot = (from: number): AsyncIterable<Batch> =>
    thread === "worker"
      ? workerReadAhead(init(), from, batchesPerEpoch, o.prefetch ?? 4, ds.dir)
      : readAhead(from, batchesPerEpoch, o.prefetch ?? 4, load);
  const description = `${ds.dir} ${o.split}: ${n} rows, ${batchesPerEpoch} batches of ${B}, ${shuffled}, ${o.memoryMap ? "read per batch" : "in memory"}, assembled ${thread === "worker" ? "in a worker thread" : "on the main thread"}`;
  if (!o.storedMultiHot)
    return { batchesPerEpoch, maxIndicesPerBag: 1, description, batches: (_e, from = 0) => oneHot(from) };
  const sizes = StoredMultiHotBags.open(ds, o.split).sizes;
  return {
    batchesPerEpoch,
    maxIndicesPerBag: Math.max(...sizes),
    maxIndicesPerBagByTable: [...sizes],
    description: `${description}; multi-hot bags stored in the directory: ${sizes.join(",")} per table`,
    async *batches(_epoch: number, from = 0) {
      const stored = StoredMultiHotBags.open(ds, o.split);
      try {
        let i = from;
        for await (const batch of oneHot(from)) {
          const first = i * B;
          const count = Math.min(B, n - first);
          const rows =
            order === undefined
              ? Array.from({ length: count }, (_, b) => first + b)
              : order.subarray(first, first + count);
          yield { ...batch, sparse: stored.bags(rows, count, B) };
          i++;
        }
      } finally {
        stored.close();
      }
    },
  };
}
