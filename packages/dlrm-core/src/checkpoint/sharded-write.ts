/**
 * Writing one safetensors file from several ranks, each writing only its own tensors: every
 * rank computes the same header (names and shapes of the whole model, in one process's
 * order), rank 0 creates the temporary file at its full size, each rank writes its tensors
 * at their offsets, and rank 0 signs (the checkpoint's SHA-256, streamed from the file),
 * fsyncs and renames it. The file is byte for byte the one a single process would write.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Communicator } from "../comm/communicator.js";
import { AtomicWriteError, safetensorsHead } from "./safetensors.js";

/** A block of a 2-D tensor one rank writes: rows [rowStart, rowEnd) x columns [colStart, colEnd), row-major. */
export interface TensorPart {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  data: Float32Array;
}

/**
 * A tensor of the whole file, in file order; `data` (the whole tensor) or `parts` (blocks of
 * it) are present on the ranks that write them. Ranks' parts never overlap.
 */
export interface ShardedEntry {
  name: string;
  shape: readonly number[];
  data?: Float32Array;
  parts?: TensorPart[];
}

/** Writes one part at its place in a row-major tensor of `cols` columns starting at byte `at`: one write per row range, or per row for a column block. */
function writePart(fd: number, part: TensorPart, cols: number, at: number): void {
  const w = part.colEnd - part.colStart;
  const bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (w === cols) {
    writeAll(fd, bytes(part.data), at + part.rowStart * cols * 4);
    return;
  }
  for (let r = part.rowStart, i = 0; r < part.rowEnd; r++, i += w)
    writeAll(fd, bytes(part.data.subarray(i, i + w)), at + (r * cols + part.colStart) * 4);
}

/** Bytes of the header, and each entry's offset from the start of the file. */
function layout(
  entries: readonly ShardedEntry[],
  metadata: Record<string, string> | undefined,
): { head: Uint8Array; offsets: number[]; size: number } {
  const head = safetensorsHead(entries, metadata);
  const offsets: number[] = [];
  let at = head.length;
  for (const e of entries) {
    offsets.push(at);
    at += e.shape.reduce((a, d) => a * d, 1) * 4;
  }
  return { head, offsets, size: at };
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length)
    done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30), position + done);
}

/** The file's tensor bytes in order, in 16 MiB chunks (for streaming a checksum). */
export function* fileChunks(path: string, from: number): Generator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(1 << 24);
    for (let at = from; ;) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) return;
      yield buf.subarray(0, n);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `entries` to `path` from every rank at once (a collective: every rank calls it with
 * the same names, shapes and metadata). With `sign`, metadata["sha256"] is first a
 * placeholder of the same length and rank 0 then writes sign(metadata, tensor bytes).
 */
export async function writeShardedSafetensors(
  comm: Communicator,
  path: string,
  entries: readonly ShardedEntry[],
  metadata?: Record<string, string>,
  sign?: (metadata: Record<string, string>, tensorBytes: Iterable<Uint8Array>) => string,
): Promise<void> {
  const signed = sign === undefined ? metadata : { ...metadata, sha256: "0".repeat(64) };
  const { head, offsets, size } = layout(entries, signed);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-ranks`);
  const fail = (e: unknown): never => {
    const err = e as NodeJS.ErrnoException;
    throw new AtomicWriteError(path, err.code ?? "EIO", err);
  };
  if (comm.rank === 0) {
    try {
      const fd = openSync(tmp, "w");
      ftruncateSync(fd, size);
      writeAll(fd, head, 0);
      closeSync(fd);
    } catch (e) {
      fail(e);
    }
  }
  await comm.barrier();
  try {
    const fd = openSync(tmp, "r+");
    entries.forEach((e, i) => {
      if (e.data !== undefined)
        writeAll(fd, new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), offsets[i]!);
      for (const part of e.parts ?? []) writePart(fd, part, e.shape[1] ?? 1, offsets[i]!);
    });
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    fail(e);
  }
  await comm.barrier();
  if (comm.rank === 0) {
    try {
      if (sign !== undefined && metadata !== undefined) {
        const sha = sign(metadata, fileChunks(tmp, head.length));
        const final = layout(entries, { ...metadata, sha256: sha }).head;
        const fd = openSync(tmp, "r+");
        writeAll(fd, final, 0);
        fsyncSync(fd);
        closeSync(fd);
      }
      renameSync(tmp, path);
      const dirFd = openSync(dirname(path), "r");
      fsyncSync(dirFd);
      closeSync(dirFd);
    } catch (e) {
      fail(e);
    }
  }
  await comm.barrier();
}
