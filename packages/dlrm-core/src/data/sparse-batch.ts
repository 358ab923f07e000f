/**
 * Host-side index preprocessing, the Gaudi way: for one batch and every table, the unique
 * rows touched and a CSR inverse map from each unique row to the bags that hold it. Also
 * the validation that keeps bad indices and offsets away from every kernel.
 * Layouts are those of `SparseBatchTensors` in backend.ts.
 */

/** Occurrences of one table in one batch are packed as row * POSITION_SPAN + position. */
const POSITION_SPAN = 2 ** 21;

/** One batch's raw sparse input: T*B bags, table-major. */
export interface HostSparseInput {
  /** Row numbers within each table, table-major, length NNZ. */
  indices: Int32Array;
  /** Bag starts, length T*B + 1: bag (t, b) = indices[offsets[t*B+b] .. offsets[t*B+b+1]). */
  offsets: Int32Array;
}

/** The preprocessed batch, ready to `write` into `SparseBatchTensors`. */
export interface HostSparseBatch extends HostSparseInput {
  uniqueRows: Int32Array;
  tableUniqueOffsets: Int32Array;
  csrOffsets: Int32Array;
  csrBags: Int32Array;
  /** U, the number of unique (table, row) pairs. */
  numUnique: number;
}

/** Thrown when a batch's indices or offsets are invalid; the message says which and where. */
export class SparseInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "SparseInputError";
  }
}

/**
 * Checks offsets and indices against the table sizes before any kernel sees them:
 * offsets start at 0, never decrease, end at NNZ; every index is in [0, rows[t]).
 */
export function validateSparseInput(input: HostSparseInput, tableRows: readonly number[], batchSize: number): void {
  const { indices, offsets } = input;
  const T = tableRows.length;
  if (offsets.length !== T * batchSize + 1) {
    throw new SparseInputError(`offsets: expected ${T * batchSize + 1} entries (T*B+1), got ${offsets.length}`);
  }
  if (offsets[0] !== 0) throw new SparseInputError(`offsets[0] must be 0, got ${offsets[0]}`);
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) {
      throw new SparseInputError(
        `offsets must not decrease: offsets[${i}] = ${offsets[i]} < offsets[${i - 1}] = ${offsets[i - 1]}`,
      );
    }
  }
  if (offsets[T * batchSize] !== indices.length) {
    throw new SparseInputError(`offsets end at ${offsets[T * batchSize]} but there are ${indices.length} indices`);
  }
  for (let t = 0; t < T; t++) {
    const rows = tableRows[t]!;
    const lo = offsets[t * batchSize]!;
    const hi = offsets[(t + 1) * batchSize]!;
    for (let i = lo; i < hi; i++) {
      const r = indices[i]!;
      if (r < 0 || r >= rows) {
        throw new SparseInputError(`index ${r} at position ${i} is out of range for table ${t} (${rows} rows)`);
      }
    }
  }
}

/**
 * Builds unique rows (ascending per table) and the CSR inverse map (bags ascending per row,
 * one entry per occurrence). O(NNZ log NNZ) per batch. Validates first.
 */
export function buildSparseBatch(
  input: HostSparseInput,
  tableRows: readonly number[],
  batchSize: number,
): HostSparseBatch {
  validateSparseInput(input, tableRows, batchSize);
  const { indices, offsets } = input;
  const T = tableRows.length;
  const nnz = indices.length;
  const bagOf = new Int32Array(nnz);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < batchSize; b++) {
      const bag = t * batchSize + b;
      bagOf.fill(b, offsets[bag]!, offsets[bag + 1]!);
    }
  }
  // Sort each table's occurrences by (row, position): one native numeric sort of packed
  // keys row * 2^21 + local position (exact in float64 for rows < 2^31); positions are
  // bag-ascending, so each row's bags come out ascending.
  const uniqueRows = new Int32Array(nnz);
  const csrOffsets = new Int32Array(nnz + 1);
  const csrBags = new Int32Array(nnz);
  const tableUniqueOffsets = new Int32Array(T + 1);
  const keys = new Float64Array(nnz);
  let u = 0;
  for (let t = 0; t < T; t++) {
    const lo = offsets[t * batchSize]!;
    const hi = offsets[(t + 1) * batchSize]!;
    const n = hi - lo;
    const seg = keys.subarray(lo, hi);
    if (n > POSITION_SPAN)
      throw new SparseInputError(`table ${t} has ${n} indices in one batch, more than ${POSITION_SPAN}`);
    for (let k = 0; k < n; k++) seg[k] = indices[lo + k]! * POSITION_SPAN + k;
    seg.sort();
    tableUniqueOffsets[t] = u;
    let prev = -1;
    for (let k = 0; k < n; k++) {
      const key = seg[k]!;
      const row = Math.floor(key / POSITION_SPAN);
      const pos = lo + (key - row * POSITION_SPAN);
      if (row !== prev) {
        uniqueRows[u] = row;
        csrOffsets[u] = lo + k;
        u++;
        prev = row;
      }
      csrBags[lo + k] = bagOf[pos]!;
    }
  }
  tableUniqueOffsets[T] = u;
  csrOffsets[u] = nnz;
  return {
    indices,
    offsets,
    uniqueRows: uniqueRows.subarray(0, u),
    tableUniqueOffsets,
    csrOffsets: csrOffsets.subarray(0, u + 1),
    csrBags,
    numUnique: u,
  };
}
