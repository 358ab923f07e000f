/**
 * The rows of batch i of a split, gathered synchronously: a contiguous slice of the split
 * (file order) or the rows a shuffle permutation names, from rows held in memory or read
 * from the processed directory. Shared by the assembly worker; the main-thread source
 * reads the same rows (file order through the thread pool), so batches are identical.
 */
import { ROW_INTS } from "./binary-rows.js";

/** Where a split's rows come from, as one batch gatherer sees them. */
export interface SplitRows {
  /** First row of the split in the dataset. */
  start: number;
  /** Rows in the split. */
  n: number;
  batchSize: number;
  /** The whole split in memory (40 int32 a row), or undefined to read from disk. */
  inMemory: Int32Array | undefined;
  /** Shuffle permutation of [0, n), or undefined for file order. */
  order: Uint32Array | undefined;
  /** Positional reads of dataset rows [start, start+count) into `out` at row `at`. */
  readSync(start: number, count: number, out: Int32Array, at: number): void;
}

/** Batch i's rows (count x 40 int32, count = min(B, n - i*B)); may be a view of `inMemory`. */
export function gatherBatchRows(s: SplitRows, i: number): { rows: Int32Array; count: number } {
  const first = i * s.batchSize;
  const count = Math.min(s.batchSize, s.n - first);
  if (s.inMemory !== undefined && s.order === undefined)
    return { rows: s.inMemory.subarray(first * ROW_INTS, (first + count) * ROW_INTS), count };
  const rows = new Int32Array(count * ROW_INTS);
  if (s.order === undefined) s.readSync(s.start + first, count, rows, 0);
  else {
    for (let k = 0; k < count; k++) {
      const r = s.order[first + k]!;
      if (s.inMemory !== undefined) rows.set(s.inMemory.subarray(r * ROW_INTS, (r + 1) * ROW_INTS), k * ROW_INTS);
      else s.readSync(s.start + r, 1, rows, k);
    }
  }
  return { rows, count };
}
