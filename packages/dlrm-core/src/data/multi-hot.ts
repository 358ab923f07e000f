/**
 * MLPerf DLRMv2's synthetic multi-hot (torchrec_dlrm's multi_hot.py): with numpy seed `seed`
 * (MLPerf: 0), for each table in order a lookup table of rows x k is drawn, column 0 the row
 * itself and columns 1..k-1 `randint(0, rows)` ("uniform") or `pareto(0.25)` cast to int32
 * modulo rows ("pareto"); every index i of a bag becomes the k indices lookup[i] (first i).
 * A source wrapper applies it to every batch.
 */
import { tableBagBound, type Batch, type BatchSource } from "./batch.js";
import { NumpyRandomState } from "../util/numpy-random.js";

/** How the extra ids of a multi-hot bag are drawn (`--multi-hot-distribution-type`). */
export type MultiHotDistribution = "uniform" | "pareto";

/** The shape MLPerf's "pareto" lookup draws with. */
const PARETO_SHAPE = 0.25;

/**
 * numpy's `x.astype(np.int32) % rows` for one pareto draw x >= 0: values past int32 (and
 * NaN) become -2^31 as x86's conversion gives them, and `%` takes the divisor's sign.
 */
function paretoId(x: number, rows: number): number {
  const i = x < 2147483648 ? Math.trunc(x) : -2147483648;
  return ((i % rows) + rows) % rows;
}

/** Per table, its rows x k lookup (row-major), drawn as numpy draws them. */
export function multiHotTables(
  sizes: readonly number[],
  tableRows: readonly number[],
  seed: number,
  distribution: MultiHotDistribution = "uniform",
): Int32Array[] {
  if (sizes.length !== tableRows.length)
    throw new RangeError(`--multi-hot-sizes: ${sizes.length} sizes for ${tableRows.length} tables`);
  const rs = new NumpyRandomState(seed);
  return sizes.map((k, t) => {
    const rows = tableRows[t]!;
    const out = new Int32Array(rows * k);
    for (let r = 0; r < rows; r++) {
      out[r * k] = r;
      for (let j = 1; j < k; j++)
        out[r * k + j] = distribution === "uniform" ? rs.randint(0, rows) : paretoId(rs.pareto(PARETO_SHAPE), rows);
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
  distribution: MultiHotDistribution = "uniform",
): BatchSource {
  const k = sizes.length === 1 ? tableRows.map(() => sizes[0]!) : [...sizes];
  if (k.some((v) => !Number.isInteger(v) || v < 1))
    throw new RangeError(`--multi-hot-sizes: every size must be a positive integer, got ${sizes.join(",")}`);
  const tables = multiHotTables(k, tableRows, seed, distribution);
  return {
    batchesPerEpoch: source.batchesPerEpoch,
    maxIndicesPerBag: source.maxIndicesPerBag * Math.max(...k),
    maxIndicesPerBagByTable: k.map((v, t) => tableBagBound(source, t) * v),
    description: `${source.description}; multi-hot (MLPerf synthetic, ${distribution}, seed ${seed}): ${k.join(",")} per table`,
    async *batches(epoch: number, from?: number) {
      for await (const b of source.batches(epoch, from)) yield expandMultiHot(b, k, tables);
    },
  };
}
