/**
 * One piece of a chunk (consecutive raw lines of one file) to binary rows: every line
 * through the byte fast path (line-bytes.ts), the rest through the strict string parser.
 * Thread-free (its only I/O: a positional read of the piece when asked), so a worker runs it
 * and so can the calling thread. Sub-sampling,
 * the bad-line policy and dictionary mapping stay with the caller, in input order.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { CRITEO_DENSE, CRITEO_SPARSE, CriteoParseError, parseCriteoLine } from "../criteo-line.js";
import { ROW_INTS } from "./binary-rows.js";
import { countMissing, emptyCounts, type LineCounts } from "./line-convert.js";
import { parseRowBytes } from "./line-bytes.js";

/** A piece to convert: its bytes are whole lines, each ending in LF except perhaps the file's last. */
export interface PieceJob {
  file: string;
  /** The 1-based line number of the piece's first line in its file. */
  firstLineNo: number;
  lines: number;
  bytes: Uint8Array;
  /**
   * Read the piece from `file` instead: bytes [start, end) (whole lines), of which the first
   * `skip` lines are not the piece's. `bytes` is then empty.
   */
  read?: { start: number; end: number; skip: number };
  /** Hash % `modulo` into the rows when given; otherwise the rows hold the raw hashes (as int32 bits). */
  modulo?: number;
  /** Stop at the first bad line (the strict policy). */
  strict: boolean;
}

/** A line the strict parser refused: where it is in the piece, its text and the error's parts. */
export interface PieceBadLine {
  at: number;
  text: string;
  field: string;
  detail: string;
}

/** What a piece gives: one 40-int32 row per good line (label in column 0), counts over good lines, bad lines. */
export interface PieceOutput {
  rows: Int32Array;
  /** rows, missingDense and missingSparse over the good lines; bad = bad.length. */
  counts: LineCounts;
  bad: PieceBadLine[];
  /** Lines looked at: `lines`, or fewer when strict stopped at a bad line. */
  linesSeen: number;
}

const decoder = new TextDecoder("utf-8");

/** The message of `e` without the "file:line: field: " prefix CriteoParseError adds. */
const detailOf = (e: CriteoParseError): string => e.message.slice(`${e.file}:${e.line}: ${e.field}: `.length);

/** Converts the piece; see the file header. */
export function convertPiece(job: PieceJob): PieceOutput {
  const b = job.read === undefined ? job.bytes : readPiece(job.file, job.read);
  const rows = new Int32Array(job.lines * ROW_INTS);
  const counts = emptyCounts();
  const bad: PieceBadLine[] = [];
  const mod = job.modulo;
  let p = 0;
  for (let skip = job.read?.skip ?? 0; skip > 0; skip--) p = lineEnd(b, p, job.file) + 1;
  let seen = 0;
  for (; seen < job.lines; seen++) {
    if (p >= b.length) throw new Error(fewer(job.file));
    const o = counts.rows * ROW_INTS;
    let end = parseRowBytes(b, p, b.length, rows, o, mod, counts);
    if (end >= 0) counts.rows++;
    else {
      end = b.indexOf(10, p);
      if (end < 0) end = b.length;
      const text = decoder.decode(b.subarray(p, end));
      try {
        const row = parseCriteoLine(text, job.file, job.firstLineNo + seen);
        countMissing(text, counts);
        rows[o] = row.label;
        for (let i = 0; i < CRITEO_DENSE; i++) rows[o + 1 + i] = row.dense[i]!;
        for (let t = 0; t < CRITEO_SPARSE; t++)
          rows[o + 1 + CRITEO_DENSE + t] = mod === undefined ? row.sparse[t]! : row.sparse[t]! % mod;
        counts.rows++;
      } catch (e) {
        if (!(e instanceof CriteoParseError)) throw e;
        bad.push({ at: seen, text, field: e.field, detail: detailOf(e) });
        counts.bad++;
        if (job.strict) {
          seen++;
          break;
        }
      }
    }
    p = end + 1;
  }
  return { rows: rows.subarray(0, counts.rows * ROW_INTS), counts, bad, linesSeen: seen };
}

const fewer = (file: string): string =>
  `${file}: has fewer lines than counted when preprocessing started (was it modified?)`;

/** Where the line at `p` ends (its LF, or the end of `b`); past the end is an error. */
function lineEnd(b: Uint8Array, p: number, file: string): number {
  if (p >= b.length) throw new Error(fewer(file));
  const e = b.indexOf(10, p);
  return e < 0 ? b.length : e;
}

/** Bytes [start, end) of `file`, by positional reads. */
function readPiece(file: string, r: { start: number; end: number }): Uint8Array {
  const b = new Uint8Array(r.end - r.start);
  const fd = openSync(file, "r");
  try {
    for (let done = 0; done < b.length;) {
      const n = readSync(fd, b, done, b.length - done, r.start + done);
      if (n === 0) throw new Error(fewer(file));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return b;
}
