/**
 * One rank's view of a global batch in hybrid-parallel training: the dense features and
 * targets of its slice of the samples (rows rank*b .. (rank+1)*b, b = B / worldSize), and
 * for each of its table pieces the bags of all B samples (a row piece keeps the indices in
 * its row range, re-based to the piece's first row). Dense and targets are views.
 */
import type { Batch } from "../data/batch.js";
import type { HostSparseInput } from "../data/sparse-batch.js";
import { SparseInputError, validateSparseInput } from "../data/sparse-batch.js";
import type { TableShard } from "./shards.js";

/** The bags of `pieces` (one per table at most, any order) out of a T*B table-major input, piece-major. */
export function selectPieces(
  input: HostSparseInput,
  pieces: readonly TableShard[],
  batchSize: number,
  numTables: number,
): HostSparseInput {
  const { indices, offsets } = input;
  if (offsets.length !== numTables * batchSize + 1) {
    throw new SparseInputError(`offsets: expected ${numTables * batchSize + 1} entries (T*B+1), got ${offsets.length}`);
  }
  let nnz = 0;
  for (const p of pieces) nnz += offsets[(p.table + 1) * batchSize]! - offsets[p.table * batchSize]!;
  const outIndices = new Int32Array(nnz);
  const outOffsets = new Int32Array(pieces.length * batchSize + 1);
  let at = 0;
  pieces.forEach((p, j) => {
    const t = p.table;
    const base = offsets[t * batchSize]!;
    const end = offsets[(t + 1) * batchSize]!;
    if (base < 0 || end > indices.length || end < base)
      throw new SparseInputError(
        `offsets of table ${t} run from ${base} to ${end}, outside the ${indices.length} indices`,
      );
    const whole = p.kind !== "row";
    for (let b = 0; b < batchSize; b++) {
      outOffsets[j * batchSize + b] = at;
      const lo = offsets[t * batchSize + b]!;
      const hi = offsets[t * batchSize + b + 1]!;
      if (whole) {
        outIndices.set(indices.subarray(lo, hi), at);
        at += hi - lo;
        continue;
      }
      for (let i = lo; i < hi; i++) {
        const r = indices[i]!;
        if (r >= p.rowStart && r < p.rowEnd) outIndices[at++] = r - p.rowStart;
      }
    }
  });
  outOffsets[pieces.length * batchSize] = at;
  return { indices: outIndices.subarray(0, at), offsets: outOffsets };
}

/**
 * The dense features and targets of rank `rank`'s samples, and the global batch's sparse
 * input checked against the whole tables (a row piece drops the indices outside its range,
 * so bad ones must be refused before the selection).
 */
export function rankSlice(
  batch: Batch,
  batchSize: number,
  tableRows: readonly number[],
  rank: number,
  worldSize: number,
): Batch {
  validateSparseInput(batch.sparse, tableRows, batchSize);
  const b = batchSize / worldSize;
  const denseIn = batch.dense.length / batchSize;
  const lo = rank * b;
  return {
    dense: batch.dense.subarray(lo * denseIn, (lo + b) * denseIn),
    targets: batch.targets.subarray(lo, lo + b),
    sparse: batch.sparse,
  };
}
