/**
 * What a data source hands the trainer: one batch of B samples (dense features, sparse
 * bags for every table, targets), and the source itself: an async stream of such batches
 * per epoch with a known count. Partial batches are never produced (dlrm drops them).
 */
import type { HostSparseInput } from "./sparse-batch.js";

export interface Batch {
  /** B x denseIn, row-major. */
  dense: Float32Array;
  /** T*B bags, table-major. */
  sparse: HostSparseInput;
  /** B targets in [0, 1]. */
  targets: Float32Array;
}

/**
 * Upper bounds on indices per bag, which size the sparse buffers: `maxIndicesPerBag` for
 * every table, or `maxIndicesPerBagByTable[t]` (at most the former) for table t where given,
 * so a table's buffers hold B * bound(t) indices (multi-hot bags differ per table).
 */
export interface BagBounds {
  readonly maxIndicesPerBag: number;
  readonly maxIndicesPerBagByTable?: readonly number[];
}

/** The bound on table `table`'s bags. */
export function tableBagBound(bounds: BagBounds, table: number): number {
  return bounds.maxIndicesPerBagByTable?.[table] ?? bounds.maxIndicesPerBag;
}

export interface BatchSource extends BagBounds {
  /** Whole batches in one epoch (after --num-batches is applied). */
  readonly batchesPerEpoch: number;
  /** One line for the start-up summary. */
  readonly description: string;
  /** The batches of one epoch, in order, starting at batch `from` (the resume cursor). */
  batches(epoch: number, from?: number): AsyncIterable<Batch>;
}
