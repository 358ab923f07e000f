/**
 * Streams the lines of a raw Criteo file, plain or gzip (detected by the 1f 8b magic bytes,
 * not the name): UTF-8 decoded, split on LF, a leading BOM dropped, a final line without a
 * newline kept. A damaged file (truncated gzip, unreadable) is a CriteoFileError naming it.
 */
import { createReadStream, openSync, readSync, closeSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";

/** A file that cannot be read to its end; names the file and says why. */
export class CriteoFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = "CriteoFileError";
  }
}

/** True when the file starts with the gzip magic bytes. */
export function isGzip(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The decompressed byte stream of a file; `onRawBytes` sees the compressed bytes read. */
export function openBytes(path: string, onRawBytes?: (n: number) => void): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (onRawBytes) raw.on("data", (c) => onRawBytes((c as Buffer).length));
  if (!isGzip(path)) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on("error", (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

function fileError(path: string, e: unknown): CriteoFileError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "Z_BUF_ERROR" || /unexpected end of file/i.test(err.message))
    return new CriteoFileError(path, "truncated gzip stream (unexpected end of file)");
  if (typeof err.code === "string" && err.code.startsWith("Z_"))
    return new CriteoFileError(path, `corrupt gzip data (${err.message})`);
  return new CriteoFileError(path, err.message);
}

/**
 * Yields arrays of the file's lines in order (line numbers are 1-based and consecutive
 * across yields); text without its LF (a CR, if any, is left to the parser).
 */
export async function* readLineBlocks(path: string, onRawBytes?: (n: number) => void): AsyncGenerator<string[]> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let first = true;
  try {
    for await (const chunk of openBytes(path, onRawBytes)) {
      let text = carry + decoder.write(chunk as Buffer);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const lines = text.split("\n");
      carry = lines.pop()!;
      if (lines.length > 0) yield lines;
    }
  } catch (e) {
    throw fileError(path, e);
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) yield [rest];
}

/** Counts the lines of a file (a final line without LF counts) without decoding text. */
export async function countLines(path: string): Promise<number> {
  let n = 0;
  let lastByte = 0x0a;
  try {
    for await (const chunk of openBytes(path)) {
      const buf = chunk as Buffer;
      if (buf.length === 0) continue;
      let at = buf.indexOf(0x0a);
      while (at >= 0) {
        n++;
        at = buf.indexOf(0x0a, at + 1);
      }
      lastByte = buf[buf.length - 1]!;
    }
  } catch (e) {
    throw fileError(path, e);
  }
  return lastByte === 0x0a ? n : n + 1;
}
