/**
 * MLPerf DLRMv2's synthetic multi-hot (torchrec_dlrm's multi_hot.py, "uniform"): with numpy
 * seed `seed` (MLPerf: 0), for each table in order a lookup table of rows x k is drawn,
 * column 0 the row itself and columns 1..k-1 `randint(0, rows)`; every index i of a bag
 * becomes the k indices lookup[i] (first i). A source wrapper applies it to every batch.
 */
import { tableBagBound, type Batch, type BatchSource } from "./batch.js";
import { NumpyRandomState } from "../util/numpy-random.js";

/** Per table, its rows x k lookup (row-major), drawn as numpy draws them. */
export function multiHotTables(sizes: readonly number[], tableRows: readonly number[], seed: number): Int32Array[] {
  if (sizes.length !== tableRows.length)
    throw new RangeError(`--multi-hot-sizes: ${sizes.length} sizes for ${tableRows.length} tables`);
  const rs = new NumpyRandomState(seed);
  return sizes.map((k, t) => {
    const rows = tableRows[t]!;
    const out = new Int32Array(rows * k);
    for (let r = 0; r < rows; r++) {
      out[r * k] = r;
      for (let j = 1; j < k; j++) out[r * k + j] = rs.randint(0, rows);
    }
    return out;
  });
}

/** One batch with every index of table t expanded to its k_t multi-hot ids (T*B bags, table-major). */
export function expandMultiHot(batch: Batch, sizes: readonly number[], tables: readonly Int32Array[]): Batch {
  const T = sizes.length;
  const { indices, offsets } = batch.sparse;
  const B = (offsets.length - 1) / T;
  let nnz = 0;
  for (let t = 0; t < T; t++) nnz += (offsets[(t + 1) * B]! - offsets[t * B]!) * sizes[t]!;
  const out = new Int32Array(nnz);
  const outOffsets = new Int32Array(offsets.length);
  let at = 0;
  for (let t = 0; t < T; t++) {
    const k = sizes[t]!;
    const lookup = tables[t]!;
    for (let b = 0; b < B; b++) {
      outOffsets[t * B + b] = at;
      for (let i = offsets[t * B + b]!; i < offsets[t * B + b + 1]!; i++) {
        out.set(lookup.subarray(indices[i]! * k, indices[i]! * k + k), at);
        at += k;
      }
    }
  }
  outOffsets[T * B] = at;
  return { ...batch, sparse: { indices: out, offsets: outOffsets } };
}

/** `source` with multi-hot bags: sizes one per table (or one for every table). */
export function withMultiHot(
  source: BatchSource,
  sizes: readonly number[],
  tableRows: readonly number[],
  seed = 0,
): BatchSource {
  const k = sizes.length === 1 ? tableRows.map(() => sizes[0]!) : [...sizes];
  if (k.some((v) => !Number.isInteger(v) || v < 1))
    throw new RangeError(`--multi-hot-sizes: every size must be a positive integer, got ${sizes.join(",")}`);
  const tables = multiHotTables(k, tableRows, seed);
  return {
    batchesPerEpoch: source.batchesPerEpoch,
    maxIndicesPerBag: source.maxIndicesPerBag * Math.max(...k),
    maxIndicesPerBagByTable: k.map((v, t) => tableBagBound(source, t) * v),
    description: `${source.description}; multi-hot (MLPerf synthetic, uniform, seed ${seed}): ${k.join(",")} per table`,
    async *batches(epoch: number, from?: number) {
      for await (const b of source.batches(epoch, from)) yield expandMultiHot(b, k, tables);
    },
  };
}
