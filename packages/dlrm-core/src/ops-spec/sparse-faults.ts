/**
 * The data rules of a sparse batch as it sits in device tensors, and the one wording of each
 * fault: bag offsets start at 0, never decrease and end within indices; every index lies in
 * its table; tableUniqueOffsets starts at 0, never decreases and ends within uniqueRows; each
 * CSR range lies in csrBags and names bags in [0, B); every unique row lies in its table.
 * Core's batch check (buildSparseBatch) keeps bad batches from training; these are what a
 * kernel refuses on a direct call. The reference checks with `findBagFault`/`findUniqueFault`,
 * the wasm backend runs them on its memory when a kernel returns a status, the webgpu kernels
 * report a `SparseFault` through an error buffer, and the native addon's sparse_check.cc
 * throws the same messages (the conformance error cases hold every backend to them).
 */

/** What went wrong, by rule; the numbering is the webgpu error buffer's. */
export const SparseFaultCode = {
  OffsetsStart: 1,
  OffsetsDecrease: 2,
  OffsetsEnd: 3,
  Index: 4,
  UniqueStart: 5,
  UniqueDecrease: 6,
  UniqueEnd: 7,
  CsrRange: 8,
  CsrBag: 9,
  UniqueRow: 10,
} as const;
export type SparseFaultCode = (typeof SparseFaultCode)[keyof typeof SparseFaultCode];

/**
 * One fault: `pos` is the position in the tensor the rule reads, `value` the entry there; `prev`
 * the entry before it (a decrease; for CsrRange, the range start), `table` and `limit` the
 * table and its rows (Index, UniqueRow), or the size or bag count the entry exceeds.
 */
export interface SparseFault {
  readonly code: SparseFaultCode;
  readonly pos: number;
  readonly value: number;
  readonly prev?: number;
  readonly table?: number;
  readonly limit?: number;
}

/** The message of a fault in op `op` (every backend's wording). */
export function sparseFaultMessage(op: string, f: SparseFault): string {
  const { pos: i, value: v } = f;
  switch (f.code) {
    case SparseFaultCode.OffsetsStart:
      return `${op}: sparse.offsets[0] must be 0, got ${v}`;
    case SparseFaultCode.OffsetsDecrease:
      return `${op}: sparse.offsets decreases at ${i} (${f.prev} then ${v})`;
    case SparseFaultCode.OffsetsEnd:
      return `${op}: sparse.offsets ends at ${v} but sparse.indices has ${f.limit} elements`;
    case SparseFaultCode.Index:
      return `${op}: sparse.indices[${i}] = ${v} is out of range for table ${f.table} (${f.limit} rows)`;
    case SparseFaultCode.UniqueStart:
      return `${op}: sparse.tableUniqueOffsets[0] must be 0, got ${v}`;
    case SparseFaultCode.UniqueDecrease:
      return `${op}: sparse.tableUniqueOffsets decreases at ${i}`;
    case SparseFaultCode.UniqueEnd:
      return `${op}: sparse.tableUniqueOffsets ends at ${v} but sparse.uniqueRows has ${f.limit} elements`;
    case SparseFaultCode.CsrRange:
      return `${op}: sparse.csrOffsets[${i}..${i + 1}] = ${f.prev}..${v} is not a valid range of sparse.csrBags`;
    case SparseFaultCode.CsrBag:
      return `${op}: sparse.csrBags[${i}] = ${v} is not a bag in 0..${f.limit! - 1}`;
    case SparseFaultCode.UniqueRow:
      return `${op}: sparse.uniqueRows[${i}] = ${v} is out of range for table ${f.table} (${f.limit} rows)`;
    default:
      return `${op}: the sparse batch is invalid (fault ${String(f.code)} at ${i})`;
  }
}

/** The RangeError every backend throws for a fault. */
export function sparseFaultError(op: string, f: SparseFault): RangeError {
  return new RangeError(sparseFaultMessage(op, f));
}

/**
 * The first fault of T*B bags: offsets (>= T*B + 1 entries) first, then every index against
 * rows[t] when `rows` is given. `nIndices` is the capacity of sparse.indices.
 */
export function findBagFault(
  offsets: Int32Array,
  indices: Int32Array,
  nIndices: number,
  T: number,
  B: number,
  rows?: readonly number[],
): SparseFault | undefined {
  const n = T * B;
  if (offsets[0] !== 0) return { code: SparseFaultCode.OffsetsStart, pos: 0, value: offsets[0]! };
  for (let i = 1; i <= n; i++) {
    if (offsets[i]! < offsets[i - 1]!)
      return { code: SparseFaultCode.OffsetsDecrease, pos: i, value: offsets[i]!, prev: offsets[i - 1]! };
  }
  if (offsets[n]! > nIndices) return { code: SparseFaultCode.OffsetsEnd, pos: n, value: offsets[n]!, limit: nIndices };
  if (rows === undefined) return undefined;
  for (let t = 0; t < T; t++) {
    for (let i = offsets[t * B]!; i < offsets[(t + 1) * B]!; i++) {
      const r = indices[i]!;
      if (r < 0 || r >= rows[t]!) return { code: SparseFaultCode.Index, pos: i, value: r, table: t, limit: rows[t]! };
    }
  }
  return undefined;
}

/** The unique-slot tensors `findUniqueFault` reads (csr may be omitted where an op does not read it). */
export interface UniqueView {
  readonly tableUniqueOffsets: Int32Array;
  readonly uniqueRows: Int32Array;
  readonly csrOffsets?: Int32Array;
  readonly csrBags?: Int32Array;
}

/**
 * The first fault of the unique-slot view of T tables: tableUniqueOffsets, then per slot its
 * CSR range (when csr is given), its bags against B (when B is given) and its row against
 * rows[t] (when rows is given).
 */
export function findUniqueFault(
  v: UniqueView,
  T: number,
  B?: number,
  rows?: readonly number[],
): SparseFault | undefined {
  const tuo = v.tableUniqueOffsets;
  if (tuo[0] !== 0) return { code: SparseFaultCode.UniqueStart, pos: 0, value: tuo[0]! };
  for (let t = 1; t <= T; t++) {
    if (tuo[t]! < tuo[t - 1]!)
      return { code: SparseFaultCode.UniqueDecrease, pos: t, value: tuo[t]!, prev: tuo[t - 1]! };
  }
  if (tuo[T]! > v.uniqueRows.length)
    return { code: SparseFaultCode.UniqueEnd, pos: T, value: tuo[T]!, limit: v.uniqueRows.length };
  const { csrOffsets: co, csrBags: cb } = v;
  for (let t = 0; t < T; t++) {
    for (let u = tuo[t]!; u < tuo[t + 1]!; u++) {
      if (co !== undefined && cb !== undefined) {
        const lo = co[u]!,
          hi = co[u + 1]!;
        if (lo < 0 || hi < lo || hi > cb.length) return { code: SparseFaultCode.CsrRange, pos: u, value: hi, prev: lo };
        if (B !== undefined) {
          for (let k = lo; k < hi; k++) {
            if (cb[k]! < 0 || cb[k]! >= B) return { code: SparseFaultCode.CsrBag, pos: k, value: cb[k]!, limit: B };
          }
        }
      }
      const r = v.uniqueRows[u]!;
      if (rows !== undefined && (r < 0 || r >= rows[t]!))
        return { code: SparseFaultCode.UniqueRow, pos: u, value: r, table: t, limit: rows[t]! };
    }
  }
  return undefined;
}
