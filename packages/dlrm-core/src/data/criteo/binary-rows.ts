/**
 * dlrm's binary Criteo rows: 40 little-endian int32 per sample (label, 13 raw dense
 * integers, 26 categorical table indices), 160 bytes a row, no header. Files are read with
 * positional reads of whole row ranges (a batch is one contiguous read), never loaded whole.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import { CRITEO_DENSE, CRITEO_FIELDS, CRITEO_SPARSE, type CriteoRow } from "../criteo-line.js";

export const ROW_INTS = CRITEO_FIELDS;
export const ROW_BYTES = ROW_INTS * 4;

if (endianness() !== "LE") throw new Error("the binary Criteo format is little-endian int32; this host is big-endian");

/** Writes one row at row `r` of `out` (40 int32 a row): dense raw, categorical already mapped. */
export function encodeRow(
  out: Int32Array,
  r: number,
  label: number,
  dense: readonly number[],
  mapped: ArrayLike<number>,
): void {
  const o = r * ROW_INTS;
  out[o] = label;
  for (let i = 0; i < CRITEO_DENSE; i++) out[o + 1 + i] = dense[i]!;
  for (let i = 0; i < CRITEO_SPARSE; i++) out[o + 1 + CRITEO_DENSE + i] = mapped[i]!;
}

/** Row `r` of a row buffer as label, dense and categorical values (for tests and tools). */
export function decodeRow(rows: Int32Array, r: number): CriteoRow {
  const o = r * ROW_INTS;
  return {
    label: rows[o]!,
    dense: Array.from(rows.subarray(o + 1, o + 1 + CRITEO_DENSE)),
    sparse: Array.from(rows.subarray(o + 1 + CRITEO_DENSE, o + ROW_INTS)),
  };
}

/** A file of binary rows opened for positional reads. */
export class BinaryRowsFile {
  readonly rows: number;
  private fd: number;
  private handle: Promise<FileHandle> | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, "r");
    const size = fstatSync(this.fd).size;
    if (size % ROW_BYTES !== 0) {
      closeSync(this.fd);
      throw new RangeError(
        `${path}: ${size} bytes is not a whole number of ${ROW_BYTES}-byte rows (truncated or not dlrm's binary format)`,
      );
    }
    this.rows = size / ROW_BYTES;
  }

  private check(start: number, count: number): void {
    if (start < 0 || count < 0 || start + count > this.rows)
      throw new RangeError(`${this.path}: rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
  }

  /** Reads rows [start, start + count) into `out` at row `at` (one positional read). */
  readSync(start: number, count: number, out: Int32Array, at = 0): void {
    this.check(start, count);
    const bytes = new Uint8Array(out.buffer, out.byteOffset + at * ROW_BYTES, count * ROW_BYTES);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(this.fd, bytes, done, bytes.length - done, start * ROW_BYTES + done);
      if (n === 0) throw new RangeError(`${this.path}: file shrank while reading row ${start + done / ROW_BYTES}`);
      done += n;
    }
  }

  /** The same read through the thread pool, so the caller's thread keeps running. */
  async read(start: number, count: number, out: Int32Array, at = 0): Promise<void> {
    this.check(start, count);
    this.handle ??= open(this.path, "r");
    const handle = await this.handle;
    const bytes = new Uint8Array(out.buffer, out.byteOffset + at * ROW_BYTES, count * ROW_BYTES);
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start * ROW_BYTES + done);
      if (bytesRead === 0)
        throw new RangeError(`${this.path}: file shrank while reading row ${start + done / ROW_BYTES}`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    closeSync(this.fd);
    await (await this.handle)?.close();
    this.handle = undefined;
  }
}
