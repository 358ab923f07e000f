/**
 * dlrm's processed Kaggle file (data_utils.py's `kaggleAdDisplayChallenge_processed.npz`:
 * X_int (N, 13), X_cat (N, 26) already numbered, y (N,), counts (26,), int32 or int64) as
 * a processed directory's chunks: the zip is inflated as a stream (fflate) into one raw
 * file per array, then rows are assembled chunk by chunk, so memory stays bounded.
 * Each array's .npy header is read here: the payload is streamed, which whole-buffer npy readers do not do.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Unzip, UnzipInflate } from "fflate";
import { CRITEO_DENSE, CRITEO_SPARSE } from "../criteo-line.js";
import { ROW_INTS } from "./binary-rows.js";
import { CriteoFileError } from "./line-stream.js";

/** The arrays dlrm's processed .npz holds, with their shapes' trailing dimension. */
const MEMBERS = { X_int: CRITEO_DENSE, X_cat: CRITEO_SPARSE, y: 0, counts: 0 } as const;
type Member = keyof typeof MEMBERS;

interface NpyArray {
  path: string;
  /** Bytes per element: 4 (<i4) or 8 (<i8). */
  width: 4 | 8;
  shape: number[];
}

/** Parses an .npy header (format 1.0-3.0) at the start of `b`; undefined until it is all there. */
function npyHeader(b: Uint8Array, where: string): { width: 4 | 8; shape: number[]; size: number } | undefined {
  if (b.length < 10) return undefined;
  if (b[0] !== 0x93 || String.fromCharCode(...b.subarray(1, 6)) !== "NUMPY")
    throw new CriteoFileError(where, "is not an .npy array");
  const major = b[6]!;
  const lenBytes = major === 1 ? 2 : 4;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 8 + lenBytes) return undefined;
  const hlen = lenBytes === 2 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (b.length < start + hlen) return undefined;
  const text = new TextDecoder().decode(b.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined)
    throw new CriteoFileError(where, `has an unreadable .npy header ${JSON.stringify(text.trim())}`);
  if (descr !== "<i4" && descr !== "<i8")
    throw new CriteoFileError(where, `has dtype ${descr}; dlrm's processed arrays are little-endian int32 or int64`);
  if (fortran === "True") throw new CriteoFileError(where, "is in Fortran order; expected C order (numpy's default)");
  const dims = shape
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  return { width: descr === "<i4" ? 4 : 8, shape: dims, size: start + hlen };
}

/** Inflates each known member of the zip at `file` into `${dir}/<name>.raw` (the .npy payload). */
async function extract(file: string, dir: string): Promise<Map<Member, NpyArray>> {
  const found = new Map<Member, NpyArray>();
  const failures: Error[] = [];
  const uz = new Unzip((entry) => {
    const name = entry.name.replace(/\.npy$/, "") as Member;
    if (!(name in MEMBERS)) return;
    const where = `${file} (${entry.name})`;
    const path = join(dir, `${name}.raw`);
    const fd = openSync(path, "w");
    let head: Uint8Array | undefined = new Uint8Array(0);
    entry.ondata = (err, data, final) => {
      try {
        if (err !== null) throw new CriteoFileError(where, `cannot be inflated: ${err.message}`);
        if (head !== undefined) {
          const joined = new Uint8Array(head.length + data.length);
          joined.set(head);
          joined.set(data, head.length);
          const h = npyHeader(joined, where);
          if (h === undefined) head = joined;
          else {
            found.set(name, { path, width: h.width, shape: h.shape });
            writeSync(fd, joined.subarray(h.size));
            head = undefined;
          }
        } else writeSync(fd, data);
        if (final) closeSync(fd);
      } catch (e) {
        failures.push(e as Error);
      }
    };
    entry.start();
  });
  uz.register(UnzipInflate);
  for await (const chunk of createReadStream(file)) {
    uz.push(chunk as Uint8Array);
    if (failures.length > 0) throw failures[0]!;
  }
  uz.push(new Uint8Array(0), true);
  if (failures.length > 0) throw failures[0]!;
  return found;
}

/** Reads elements [from, from + n) of a raw array as numbers. */
function readElements(a: NpyArray, from: number, n: number): Int32Array | BigInt64Array {
  const fd = openSync(a.path, "r");
  try {
    const buf = Buffer.alloc(n * a.width);
    const got = readSync(fd, buf, 0, buf.length, from * a.width);
    if (got !== buf.length) throw new CriteoFileError(a.path, "is cut short");
    return a.width === 4
      ? new Int32Array(buf.buffer, buf.byteOffset, n)
      : new BigInt64Array(buf.buffer, buf.byteOffset, n);
  } finally {
    closeSync(fd);
  }
}

/** A processed .npz opened for chunked reading: its row count, table rows and a row reader. */
export interface DlrmNpz {
  rows: number;
  tableRows: number[];
  /** Writes rows [first, first + n) as 40-int32 rows into `out`; checks every value. */
  readRows(first: number, n: number, out: Int32Array): void;
  /** Removes the extracted raw files. */
  close(): void;
}

/** Extracts dlrm's processed .npz `file` into `dir` (scratch space) and checks its arrays' shapes. */
export async function openDlrmNpz(file: string, dir: string): Promise<DlrmNpz> {
  const arrays = await extract(file, dir);
  const missing = (Object.keys(MEMBERS) as Member[]).filter((m) => !arrays.has(m));
  if (missing.length > 0)
    throw new CriteoFileError(
      file,
      `lacks ${missing.map((m) => `${m}.npy`).join(", ")}: expected dlrm's processed .npz (X_int, X_cat, y, counts)`,
    );
  const get = (m: Member): NpyArray => arrays.get(m)!;
  const n = get("y").shape[0] ?? -1;
  const shapeIs = (m: Member, want: number[]): void => {
    const s = get(m).shape;
    if (s.length !== want.length || s.some((d, i) => d !== want[i]))
      throw new CriteoFileError(file, `${m} has shape (${s.join(", ")}), expected (${want.join(", ")})`);
  };
  shapeIs("y", [n]);
  shapeIs("X_int", [n, CRITEO_DENSE]);
  shapeIs("X_cat", [n, CRITEO_SPARSE]);
  shapeIs("counts", [CRITEO_SPARSE]);
  const tableRows = Array.from(readElements(get("counts"), 0, CRITEO_SPARSE), Number);
  tableRows.forEach((r, t) => {
    if (!(r >= 1 && r < 2 ** 31)) throw new CriteoFileError(file, `counts[${t}] is ${r}, not a table size`);
  });
  return {
    rows: n,
    tableRows,
    readRows(first, count, out) {
      const y = readElements(get("y"), first, count);
      const xi = readElements(get("X_int"), first * CRITEO_DENSE, count * CRITEO_DENSE);
      const xc = readElements(get("X_cat"), first * CRITEO_SPARSE, count * CRITEO_SPARSE);
      for (let r = 0; r < count; r++) {
        const o = r * ROW_INTS;
        const label = Number(y[r]!);
        if (label !== 0 && label !== 1)
          throw new CriteoFileError(file, `y[${first + r}] is ${label}; labels are 0 or 1`);
        out[o] = label;
        for (let i = 0; i < CRITEO_DENSE; i++) {
          const v = Number(xi[r * CRITEO_DENSE + i]!);
          if (!(v >= -(2 ** 31) && v < 2 ** 31))
            throw new CriteoFileError(file, `X_int[${first + r}, ${i}] is ${v}, outside int32`);
          out[o + 1 + i] = v;
        }
        for (let t = 0; t < CRITEO_SPARSE; t++) {
          const v = Number(xc[r * CRITEO_SPARSE + t]!);
          if (!(v >= 0 && v < tableRows[t]!))
            throw new CriteoFileError(
              file,
              `X_cat[${first + r}, ${t}] is ${v}, outside table ${t}'s ${tableRows[t]} rows (counts[${t}])`,
            );
          out[o + 1 + CRITEO_DENSE + t] = v;
        }
      }
    },
    close() {
      for (const a of arrays.values()) rmSync(a.path, { force: true });
    },
  };
}
