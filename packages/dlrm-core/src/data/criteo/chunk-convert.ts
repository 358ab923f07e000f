/**
 * The parallel convert phase of one raw file: the calling thread streams the file's bytes,
 * cuts them at line ends into pieces of at most PIECE_LINES lines within one chunk, and
 * hands them to the worker pool; answers are taken in input order, where the bad-line
 * policy, negative sub-sampling and dictionary mapping run exactly as the line-by-line
 * path runs them, so the chunks come out byte for byte the same. Memory: `depth` pieces
 * in flight, and two chunk buffers (one being written while the next is filled).
 */
import { statSync } from "node:fs";
import { CRITEO_DENSE, CRITEO_SPARSE, CriteoParseError } from "../criteo-line.js";
import { Rng } from "../../util/rng.js";
import { ROW_BYTES, ROW_INTS } from "./binary-rows.js";
import type { CategoricalMapper } from "./categorical-map.js";
import type { PlannedChunk } from "./chunk-plan.js";
import { rowsDigest, writeChunkFilesAsync, type CommitContext } from "./chunk-commit.js";
import type { ConvertPool } from "./convert-pool.js";
import type { PieceOutput } from "./convert-piece.js";
import { emptyCounts, type LineCounts } from "./line-convert.js";
import type { LineIndex } from "./line-index.js";
import { CriteoFileError, openBytes } from "./line-stream.js";

/** Lines per piece handed to a worker. */
export const PIECE_LINES = 16384;

export interface FastConvertContext extends Omit<CommitContext, "buf"> {
  pool: ConvertPool;
  /** Pieces in flight at most. */
  depth: number;
  /** Applied in the workers for modulo mapping; undefined for dictionary mapping (`mapper` then maps here). */
  modulo: number | undefined;
  mapper: CategoricalMapper;
  strict: boolean;
  subSampleRate: number;
  seed: number;
  lastDay: number;
  progress: (n: number) => void;
  onLines(n: number): void;
}

interface Piece {
  c: PlannedChunk;
  /** True for the chunk's last piece. */
  last: boolean;
  firstLineNo: number;
  out: Promise<PieceOutput>;
}

/** The chunk being filled from its pieces' answers. */
interface Assembly {
  c: PlannedChunk;
  buf: Int32Array;
  counts: LineCounts;
  messagesBefore: number;
  rng: Rng | undefined;
}

/** Converts the lines of `fileChunks` (a file's chunks, in order) that have no record yet. */
export async function convertFileFast(
  file: string,
  fileChunks: PlannedChunk[],
  cx: FastConvertContext,
  index?: LineIndex,
): Promise<void> {
  const queue: Piece[] = [];
  const spare: Int32Array[] = [];
  let asm: Assembly | undefined;
  let committing: Promise<void> = Promise.resolve();
  let writing = 0;
  let writeError: { e: unknown } | undefined;
  const mapped = new Int32Array(CRITEO_SPARSE);
  const sparse = new Array<number>(CRITEO_SPARSE);

  const begin = (c: PlannedChunk): Assembly => ({
    c,
    buf: spare.pop() ?? new Int32Array(Math.max(1, ...fileChunks.map((x) => x.lines)) * ROW_INTS),
    counts: emptyCounts(),
    messagesBefore: cx.tracker.messages.length,
    rng: cx.subSampleRate > 0 && c.day < cx.lastDay ? new Rng(cx.seed, 1 + c.id) : undefined,
  });

  /** Takes the oldest piece's answer into its chunk, and starts writing the chunk after its last piece. */
  const take = async (): Promise<void> => {
    const piece = queue.shift()!;
    const out = await piece.out;
    if (writeError !== undefined) throw writeError.e;
    if (asm === undefined) {
      if (spare.length === 0 && writing > 1) await committing;
      asm = begin(piece.c);
    }
    const a = asm;
    let last = -1;
    for (const b of out.bad) {
      cx.tracker.goodLines(b.at - last - 1);
      cx.tracker.badLine(b.text, new CriteoParseError(file, piece.firstLineNo + b.at, b.field, b.detail));
      last = b.at;
    }
    cx.tracker.goodLines(out.linesSeen - last - 1);
    a.counts.bad += out.counts.bad;
    a.counts.missingDense += out.counts.missingDense;
    a.counts.missingSparse += out.counts.missingSparse;
    appendRows(a, out.rows);
    if (!piece.last) return;
    asm = undefined;
    const rejected = cx.tracker.rejected;
    cx.tracker.rejected = [];
    const messages = cx.tracker.messages.slice(a.messagesBefore);
    const before = committing;
    writing++;
    committing = (async () => {
      await before;
      if (writeError !== undefined) return;
      try {
        const bytes = new Uint8Array(a.buf.buffer, 0, a.counts.rows * ROW_BYTES);
        const sha256 = await rowsDigest(bytes);
        await writeChunkFilesAsync(cx, a.c, { bytes, rejected, counts: a.counts, messages, sha256 });
        spare.push(a.buf);
      } catch (e) {
        writeError = { e };
      } finally {
        writing--;
      }
    })();
  };

  /** Appends a piece's rows: negatives sub-sampled as the line path draws them, dictionary mapping applied. */
  const appendRows = (a: Assembly, rows: Int32Array): void => {
    const n = rows.length / ROW_INTS;
    if (a.rng === undefined && cx.modulo !== undefined) {
      a.buf.set(rows, a.counts.rows * ROW_INTS);
      a.counts.rows += n;
      return;
    }
    for (let r = 0; r < n; r++) {
      const o = r * ROW_INTS;
      if (rows[o] === 0 && a.rng !== undefined && a.rng.uniform() < cx.subSampleRate) {
        a.counts.subSampled++;
        continue;
      }
      const to = a.counts.rows++ * ROW_INTS;
      a.buf.set(rows.subarray(o, o + 1 + CRITEO_DENSE), to);
      if (cx.modulo !== undefined) a.buf.set(rows.subarray(o + 1 + CRITEO_DENSE, o + ROW_INTS), to + 1 + CRITEO_DENSE);
      else {
        for (let t = 0; t < CRITEO_SPARSE; t++) sparse[t] = rows[o + 1 + CRITEO_DENSE + t]! >>> 0;
        cx.mapper.map(sparse, mapped);
        a.buf.set(mapped, to + 1 + CRITEO_DENSE);
      }
    }
  };

  let k = 0;
  let inChunk = 0;
  let line = 0;
  let parts: Uint8Array[] = [];
  let partLines = 0;
  let first = true;
  const submit = async (tail: Uint8Array): Promise<void> => {
    const c = fileChunks[k]!;
    parts.push(tail);
    const lines = partLines;
    const firstLineNo = line - lines + 1;
    const pieceParts = parts;
    parts = [];
    partLines = 0;
    const isLast = inChunk === c.lines;
    if (isLast) {
      k++;
      inChunk = 0;
    }
    cx.onLines(lines);
    if (cx.records.has(c.id)) return;
    const bytes = new Uint8Array(pieceParts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of pieceParts) {
      bytes.set(p, at);
      at += p.length;
    }
    const job = { file, firstLineNo, lines, bytes, modulo: cx.modulo, strict: cx.strict };
    queue.push({ c, last: isLast, firstLineNo, out: cx.pool.convert(job) });
    while (queue.length >= cx.depth) await take();
  };
  const tooMany = (): CriteoFileError =>
    new CriteoFileError(file, `has more lines than the ${line} counted when preprocessing started (was it modified?)`);

  /** With a line index the workers read their pieces themselves: no bytes pass through here. */
  const readPieces = async (ix: LineIndex): Promise<void> => {
    if (statSync(file).size !== ix.size)
      throw new CriteoFileError(file, `changed size since its lines were counted (was it modified?)`);
    const want =
      fileChunks.length === 0
        ? 0
        : fileChunks[fileChunks.length - 1]!.firstLine + fileChunks[fileChunks.length - 1]!.lines;
    if (ix.lines !== want)
      throw new CriteoFileError(file, `has ${ix.lines} lines, not the ${want} counted when preprocessing started`);
    for (const c of fileChunks) {
      if (cx.records.has(c.id)) {
        cx.onLines(c.lines);
        cx.progress((ix.size * c.lines) / Math.max(1, ix.lines));
        continue;
      }
      for (let a = c.firstLine; a < c.firstLine + c.lines;) {
        const k = Math.floor(a / ix.every);
        const b = Math.min(c.firstLine + c.lines, (k + 1) * ix.every);
        const start = ix.offsets[k]!;
        const end = ix.offsets[k + 1] ?? ix.size;
        const job = {
          file,
          firstLineNo: a + 1,
          lines: b - a,
          bytes: new Uint8Array(0),
          read: { start, end, skip: a - k * ix.every },
          modulo: cx.modulo,
          strict: cx.strict,
        };
        queue.push({ c, last: b === c.firstLine + c.lines, firstLineNo: a + 1, out: cx.pool.convert(job) });
        cx.onLines(b - a);
        cx.progress((ix.size * (b - a)) / Math.max(1, ix.lines));
        a = b;
        while (queue.length >= cx.depth) await take();
      }
    }
  };

  try {
    if (index !== undefined) {
      await readPieces(index);
      while (queue.length > 0) await take();
      await committing;
      if (writeError !== undefined) throw writeError.e;
      return;
    }
    for await (const chunk of openBytes(file, cx.progress)) {
      let buf = chunk as Uint8Array;
      if (first && buf.length > 0) {
        if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
        first = false;
      }
      let pos = 0;
      while (pos < buf.length) {
        const c = fileChunks[k];
        if (c === undefined) throw tooMany();
        const want = Math.min(PIECE_LINES - partLines, c.lines - inChunk);
        let p = pos;
        let found = 0;
        while (found < want) {
          const e = buf.indexOf(10, p);
          if (e < 0) break;
          found++;
          p = e + 1;
        }
        partLines += found;
        inChunk += found;
        line += found;
        if (found < want) {
          parts.push(new Uint8Array(buf.subarray(pos)));
          break;
        }
        await submit(buf.subarray(pos, p));
        pos = p;
      }
    }
    if (parts.some((p) => p.length > 0)) {
      const c = fileChunks[k];
      if (c === undefined) throw tooMany();
      partLines++;
      inChunk++;
      line++;
      if (inChunk === c.lines) await submit(new Uint8Array(0));
    }
    if (k < fileChunks.length) {
      const lastChunk = fileChunks[fileChunks.length - 1]!;
      throw new CriteoFileError(
        file,
        `has ${line} lines, fewer than the ${lastChunk.firstLine + lastChunk.lines} counted when preprocessing started`,
      );
    }
    while (queue.length > 0) await take();
    await committing;
    if (writeError !== undefined) throw writeError.e;
  } finally {
    for (const p of queue) p.out.catch(() => undefined);
    await committing;
  }
}
