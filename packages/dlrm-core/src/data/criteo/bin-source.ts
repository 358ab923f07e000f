/**
 * dlrm's --mlperf-bin-loader inputs (data_loader_terabyte.py's CriteoBinDataset): a split
 * file PREFIX_train.bin / PREFIX_test.bin of 40 int32 rows (label, 13 raw dense, 26 mapped
 * categorical; the processed rows of binary-rows.ts), read in consecutive batches (batch
 * order shuffled per epoch with --mlperf-bin-shuffle), categorical values % max-ind-range
 * when it is positive; and the table sizes from RAW_fea_count.npz's `counts`.
 */
import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import { CRITEO_SPARSE } from "../criteo-line.js";
import { Rng } from "../../util/rng.js";
import type { BatchSource } from "../batch.js";
import { assembleBatch } from "./batch-assembly.js";
import { BinaryRowsFile, ROW_INTS } from "./binary-rows.js";

/** The `counts` array (26 table sizes, <i4 or <i8) of dlrm's *_fea_count.npz. */
export function readFeatureCounts(path: string): number[] {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(readFileSync(path));
  } catch (e) {
    throw new RangeError(`${path}: not a readable .npz (${(e as Error).message})`, { cause: e });
  }
  const npy = members["counts.npy"];
  if (npy === undefined) throw new RangeError(`${path}: no counts array (dlrm's *_fea_count.npz holds counts.npy)`);
  if (npy[0] !== 0x93 || String.fromCharCode(...npy.subarray(1, 6)) !== "NUMPY")
    throw new RangeError(`${path}: counts.npy is not an .npy array`);
  const dv = new DataView(npy.buffer, npy.byteOffset, npy.byteLength);
  const lenBytes = npy[6] === 1 ? 2 : 4;
  const hlen = lenBytes === 2 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  const header = new TextDecoder().decode(npy.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const shape = /'shape':\s*\((\d+),?\)/.exec(header)?.[1];
  if ((descr !== "<i4" && descr !== "<i8") || shape === undefined || /'fortran_order':\s*True/.test(header))
    throw new RangeError(`${path}: counts must be a 1-D little-endian int32 or int64 array, got ${header.trim()}`);
  const n = Number(shape);
  if (n !== CRITEO_SPARSE) throw new RangeError(`${path}: ${n} counts, expected ${CRITEO_SPARSE} (one per table)`);
  const width = descr === "<i4" ? 4 : 8;
  const at = start + hlen;
  return Array.from({ length: n }, (_, i) =>
    width === 4 ? dv.getInt32(at + 4 * i, true) : Number(dv.getBigInt64(at + 8 * i, true)),
  );
}

export interface BinSourceOptions {
  batchSize: number;
  /** Categorical values % this when > 0 (dlrm's --max-ind-range). */
  maxIndRange: number;
  /** At most this many batches per epoch (0 = all). */
  numBatches?: number;
  /** Keep a last partial batch, padded, with its `count` (evaluation); training drops it. */
  keepPartial?: boolean;
  /** Shuffle the batch order per epoch with this seed (dlrm's --mlperf-bin-shuffle RandomSampler). */
  shuffleSeed?: number;
}

/** The batch order of one epoch: identity, or a Fisher-Yates permutation seeded by (seed, epoch). */
function batchOrder(n: number, seed: number | undefined, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (seed === undefined) return order;
  const rng = new Rng(seed, 0x62696e00 + epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** A source over a dlrm .bin split file; the file stays open until `close`. */
export function createCriteoBinSource(path: string, o: BinSourceOptions): BatchSource & { close(): Promise<void> } {
  const file = new BinaryRowsFile(path);
  const B = o.batchSize;
  const whole = Math.floor(file.rows / B);
  const all = o.keepPartial && file.rows % B !== 0 ? whole + 1 : whole;
  const batchesPerEpoch = o.numBatches ? Math.min(all, o.numBatches) : all;
  if (batchesPerEpoch === 0) throw new RangeError(`${path}: ${file.rows} rows hold no whole batch of ${B}`);
  const range = o.maxIndRange;
  return {
    batchesPerEpoch,
    maxIndicesPerBag: 1,
    description: `${path}: ${file.rows} rows, ${batchesPerEpoch} batches of ${B}, dlrm's .bin split${o.shuffleSeed === undefined ? "" : ", batch order shuffled per epoch"}${range > 0 ? `, categorical % ${range}` : ""}`,
    async *batches(epoch: number, from = 0) {
      const order = batchOrder(all, o.shuffleSeed, epoch);
      for (let i = from; i < batchesPerEpoch; i++) {
        const first = order[i]! * B;
        const count = Math.min(B, file.rows - first);
        const rows = new Int32Array(count * ROW_INTS);
        await file.read(first, count, rows);
        if (range > 0)
          for (let r = 0; r < count; r++)
            for (let t = 0; t < CRITEO_SPARSE; t++) {
              const k = r * ROW_INTS + ROW_INTS - CRITEO_SPARSE + t;
              rows[k] = ((rows[k]! % range) + range) % range;
            }
        yield assembleBatch(rows, B, count);
      }
    },
    close: () => file.close(),
  };
}
