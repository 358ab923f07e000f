/**
 * Multi-hot bags stored by a processed directory: per split a sidecar `multi-hot-<split>.bin`
 * holding, for each of the split's rows in file order, the expanded bag of every table
 * (k_t int32 ids for table t, tables in order: sum k_t int32 a row), written once by
 * streaming the rows through the multi-hot lookup tables and recorded in the manifest
 * (`key.multiHot`, `multiHot`). Training reads a batch's bags by positional reads.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statfsSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HostSparseInput } from "../sparse-batch.js";
import { multiHotTables, type MultiHotDistribution } from "../multi-hot.js";
import { CRITEO_DENSE } from "../criteo-line.js";
import { ROW_INTS } from "./binary-rows.js";
import { withDirectoryLock } from "./dir-lock.js";
import {
  keyDifference,
  readManifest,
  StaleCacheError,
  writeManifest,
  type MultiHotKey,
  type MultiHotSidecar,
} from "./manifest.js";
import { ProcessedDataset } from "./processed-dataset.js";
import { splitRange, type SplitName } from "./splits.js";

/** The splits that get a sidecar (train, test and val cover every row once). */
export const STORED_SPLITS: readonly SplitName[] = ["train", "test", "val"];

/** Rows expanded per read and write while building a sidecar (bounds its memory). */
const BLOCK_ROWS = 1 << 14;

/** The sidecar file name of `split`. */
export const multiHotSidecarName = (split: SplitName): string => `multi-hot-${split}.bin`;

/** The stored settings for sizes (one per table, or one for all) and a distribution; seed 0 as MLPerf. */
export function multiHotKey(
  sizes: readonly number[],
  numTables: number,
  distribution: MultiHotDistribution,
  seed = 0,
): MultiHotKey {
  return { sizes: sizes.length === 1 ? new Array<number>(numTables).fill(sizes[0]!) : [...sizes], distribution, seed };
}

/** What `ensureMultiHotStore` did: wrote the sidecars now, or found them made with the same settings. */
export interface MultiHotStoreResult {
  written: boolean;
  /** Ids stored per row (sum of the sizes). */
  rowInts: number;
}

/**
 * Makes sure the finished processed directory `dir` stores the bags of `want` (holding the
 * directory's lock): writes the sidecars when it stores none, keeps them when the settings
 * match, and otherwise throws StaleCacheError naming the differing setting, unless
 * `rebuild`, which rewrites them.
 */
export async function ensureMultiHotStore(
  dir: string,
  want: MultiHotKey,
  opts: { rebuild?: boolean; onWaitForLock?: (pid: number) => void } = {},
): Promise<MultiHotStoreResult> {
  const abs = resolve(dir);
  return withDirectoryLock(
    abs,
    async () => {
      const m = readManifest(abs);
      if (m === undefined || !m.complete || m.summary === undefined)
        throw new RangeError(`${abs}: preprocessing did not finish; rerun it before storing multi-hot bags`);
      if (want.sizes.length !== m.summary.tableRows.length)
        throw new RangeError(`--multi-hot-sizes: ${want.sizes.length} sizes for ${m.summary.tableRows.length} tables`);
      const rowInts = want.sizes.reduce((a, b) => a + b, 0);
      if (m.key.multiHot !== undefined) {
        const diff = keyDifference(m.key, { ...m.key, multiHot: want });
        const present = Object.values(m.multiHot ?? {}).every((s) => existsSync(join(abs, s.file)));
        if (diff === undefined && present) return { written: false, rowInts };
        if (diff !== undefined && !opts.rebuild) throw new StaleCacheError(abs, diff);
      }
      checkDiskSpace(abs, m.summary.rows * rowInts * 4);
      const ds = ProcessedDataset.open(abs);
      try {
        const tables = multiHotTables(want.sizes, m.summary.tableRows, want.seed, want.distribution);
        const sidecars: Record<string, MultiHotSidecar> = {};
        for (const split of m.summary.dayRows.length < 2 ? [] : STORED_SPLITS) {
          const range = splitRange(split, m.summary.dayRows);
          const file = multiHotSidecarName(split);
          writeSidecar(ds, join(abs, file), range.start, range.end, want.sizes, tables);
          sidecars[split] = { file, rows: range.end - range.start, rowInts };
        }
        writeManifest(abs, { ...m, key: { ...m.key, multiHot: want }, multiHot: sidecars });
      } finally {
        await ds.close();
      }
      return { written: true, rowInts };
    },
    opts.onWaitForLock,
  );
}

/** Refuses, before writing, sidecars of `bytes` that the file system of `dir` has no room for. */
function checkDiskSpace(dir: string, bytes: number): void {
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (bytes > free)
    throw new RangeError(
      `--multi-hot-sizes: storing the bags in ${dir} needs ${(bytes / 2 ** 30).toFixed(1)} GiB, ${(free / 2 ** 30).toFixed(1)} GiB are free; free space or use --multi-hot-bags expanded`,
    );
}

/** Streams rows [start, end) of `ds` through the lookups into `path` (atomically: a temporary file, then rename). */
function writeSidecar(
  ds: ProcessedDataset,
  path: string,
  start: number,
  end: number,
  sizes: readonly number[],
  tables: readonly Int32Array[],
): void {
  const T = sizes.length;
  const rowInts = sizes.reduce((a, b) => a + b, 0);
  const rows = new Int32Array(BLOCK_ROWS * ROW_INTS);
  const out = new Int32Array(BLOCK_ROWS * rowInts);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    for (let r = start; r < end; r += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, end - r);
      ds.readSync(r, n, rows);
      let at = 0;
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < T; t++) {
          const k = sizes[t]!;
          const index = rows[i * ROW_INTS + 1 + CRITEO_DENSE + t]!;
          out.set(tables[t]!.subarray(index * k, index * k + k), at);
          at += k;
        }
      }
      writeSync(fd, out, 0, at * 4);
    }
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/**
 * Reads one split's stored bags: `bags(rows, count, B)` gives the T*B bags (table-major) of
 * the batch whose sample b is split row rows[b] (b < count; padding samples repeat sample 0,
 * as the batch assembly does), with the offsets and ids expandMultiHot gives the same rows.
 */
export class StoredMultiHotBags {
  private readonly fd: number;
  readonly rowInts: number;
  /** firstId[t] = where table t's ids start within a stored row. */
  private readonly firstId: number[];

  constructor(
    readonly path: string,
    readonly sizes: readonly number[],
    readonly rows: number,
  ) {
    this.rowInts = sizes.reduce((a, b) => a + b, 0);
    this.firstId = [];
    let at = 0;
    for (const k of sizes) {
      this.firstId.push(at);
      at += k;
    }
    this.fd = openSync(path, "r");
  }

  /** The split's sidecar in the processed dataset, as its manifest records it. */
  static open(ds: ProcessedDataset, split: SplitName): StoredMultiHotBags {
    const m = readManifest(ds.dir);
    const sizes = m?.key.multiHot?.sizes;
    const s = m?.multiHot?.[split];
    if (sizes === undefined || s === undefined)
      throw new RangeError(`${ds.dir}: stores no multi-hot bags for the ${split} split`);
    return new StoredMultiHotBags(join(ds.dir, s.file), sizes, s.rows);
  }

  /** The bags of the batch of split rows `rows[0..count)`, padded to B samples. */
  bags(rows: ArrayLike<number>, count: number, B: number): HostSparseInput {
    const W = this.rowInts;
    const stored = new Int32Array(count * W);
    let contiguous = count > 0;
    for (let b = 1; b < count && contiguous; b++) contiguous = rows[b] === rows[b - 1]! + 1;
    if (contiguous) this.read(rows[0]!, count, stored, 0);
    else for (let b = 0; b < count; b++) this.read(rows[b]!, 1, stored, b * W);
    const T = this.sizes.length;
    const indices = new Int32Array(B * W);
    const offsets = new Int32Array(T * B + 1);
    let at = 0;
    for (let t = 0; t < T; t++) {
      const k = this.sizes[t]!;
      for (let b = 0; b < B; b++) {
        offsets[t * B + b] = at;
        const from = (b < count ? b : 0) * W + this.firstId[t]!;
        indices.set(stored.subarray(from, from + k), at);
        at += k;
      }
    }
    offsets[T * B] = at;
    return { indices, offsets };
  }

  /** Stored rows [row, row + n) into `out` at int `at`. */
  private read(row: number, n: number, out: Int32Array, at: number): void {
    if (row < 0 || row + n > this.rows)
      throw new RangeError(`${this.path}: rows [${row}, ${row + n}) are outside [0, ${this.rows})`);
    const bytes = n * this.rowInts * 4;
    const view = new Uint8Array(out.buffer, out.byteOffset + at * 4, bytes);
    let done = 0;
    while (done < bytes) {
      const got = readSync(this.fd, view, done, bytes - done, row * this.rowInts * 4 + done);
      if (got === 0) throw new RangeError(`${this.path}: ends before row ${row + n} (truncated sidecar)`);
      done += got;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
