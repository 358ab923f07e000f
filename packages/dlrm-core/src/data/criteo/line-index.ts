/**
 * The line index of a plain (not gzip) raw file: its line count and the byte offset of
 * every `every`-th line, so workers can read and parse pieces of it by positional reads
 * with no bytes passing through the calling thread. A leading UTF-8 BOM is not part of
 * line 1 (as the line reader drops it). A final line without LF counts.
 */
import { createReadStream } from "node:fs";
import { CriteoFileError } from "./line-stream.js";

export interface LineIndex {
  lines: number;
  /** Byte size of the file when indexed. */
  size: number;
  every: number;
  /** offsets[k]: where line k * every starts (offsets[0] is 0, or 3 after a BOM). */
  offsets: number[];
}

/** Indexes `path` (one pass of Buffer.indexOf over its bytes). */
export async function indexLines(path: string, every: number): Promise<LineIndex> {
  const offsets: number[] = [];
  let lines = 0;
  let at = 0;
  let last = 10;
  let first = true;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      if (b.length === 0) continue;
      let from = 0;
      if (first) {
        first = false;
        if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) from = 3;
        offsets.push(at + from);
      }
      for (let i = b.indexOf(10, from); i >= 0; i = b.indexOf(10, i + 1)) {
        lines++;
        if (lines % every === 0) offsets.push(at + i + 1);
      }
      last = b[b.length - 1]!;
      at += b.length;
    }
  } catch (e) {
    throw new CriteoFileError(path, (e as Error).message);
  }
  if (last !== 10) lines++;
  if (offsets.length > 0 && offsets[offsets.length - 1] === at && lines % every === 0) offsets.pop();
  return { lines, size: at, every, offsets };
}
