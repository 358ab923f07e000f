/**
 * One rank's view of a global batch in hybrid-parallel training: the dense features and
 * targets of its slice of the samples (rows rank*b .. (rank+1)*b, b = B / worldSize), and
 * the sparse bags of its own tables for all B samples. Dense and targets are views; the
 * sparse input of the owned tables is copied out (table-major, offsets re-based).
 */
import type { Batch } from "../data/batch.js";
import type { HostSparseInput } from "../data/sparse-batch.js";
import { SparseInputError } from "../data/sparse-batch.js";
import type { ModelShard } from "../model/dlrm.js";

/** The bags of `tables` (global numbers, ascending) out of a T*B table-major input. */
export function selectTables(
  input: HostSparseInput,
  tables: readonly number[],
  batchSize: number,
  numTables: number,
): HostSparseInput {
  const { indices, offsets } = input;
  if (offsets.length !== numTables * batchSize + 1) {
    throw new SparseInputError(`offsets: expected ${numTables * batchSize + 1} entries (T*B+1), got ${offsets.length}`);
  }
  let nnz = 0;
  for (const t of tables) nnz += offsets[(t + 1) * batchSize]! - offsets[t * batchSize]!;
  const outIndices = new Int32Array(nnz);
  const outOffsets = new Int32Array(tables.length * batchSize + 1);
  let at = 0;
  tables.forEach((t, j) => {
    const base = offsets[t * batchSize]!;
    const end = offsets[(t + 1) * batchSize]!;
    if (base < 0 || end > indices.length || end < base)
      throw new SparseInputError(
        `offsets of table ${t} run from ${base} to ${end}, outside the ${indices.length} indices`,
      );
    for (let b = 0; b < batchSize; b++) outOffsets[j * batchSize + b] = at + offsets[t * batchSize + b]! - base;
    outIndices.set(indices.subarray(base, end), at);
    at += end - base;
  });
  outOffsets[tables.length * batchSize] = at;
  return { indices: outIndices, offsets: outOffsets };
}

/** The part of `batch` (B global samples, T tables) that rank `shard.rank` trains on. */
export function rankBatch(batch: Batch, batchSize: number, numTables: number, shard: ModelShard): Batch {
  const b = batchSize / shard.worldSize;
  const denseIn = batch.dense.length / batchSize;
  const lo = shard.rank * b;
  return {
    dense: batch.dense.subarray(lo * denseIn, (lo + b) * denseIn),
    targets: batch.targets.subarray(lo, lo + b),
    sparse: selectTables(batch.sparse, shard.ownedTables, batchSize, numTables),
  };
}
