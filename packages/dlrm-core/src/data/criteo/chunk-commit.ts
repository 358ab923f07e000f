/**
 * A processed directory's chunk files: the rows (chunks/NNNNNN.bin), the rejected lines
 * (.rejects) and the completion record (.json, written last), each atomically, so a chunk
 * with a record that matches its plan is complete and a rerun keeps it.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BadLineTracker } from "./bad-lines.js";
import { ROW_BYTES } from "./binary-rows.js";
import type { PlannedChunk } from "./chunk-plan.js";
import type { LineCounts } from "./line-convert.js";
import { writeAtomic } from "./manifest.js";

/** A chunk's completion record: its counts, its first bad-line messages and its rows' digest. */
export interface ChunkRecord extends LineCounts {
  id: number;
  day: number;
  lines: number;
  messages: string[];
  sha256: string;
}

export const DEFAULT_CHUNK_ROWS = 1 << 18;

export const chunkBase = (dir: string, id: number): string => join(dir, "chunks", String(id).padStart(6, "0"));

/** The record of a complete chunk, or undefined when it is missing or does not match the plan. */
export function readRecord(dir: string, c: PlannedChunk): ChunkRecord | undefined {
  const base = chunkBase(dir, c.id);
  if (!existsSync(`${base}.json`) || !existsSync(`${base}.bin`)) return undefined;
  const r = JSON.parse(readFileSync(`${base}.json`, "utf8")) as ChunkRecord;
  return statSync(`${base}.bin`).size === r.rows * ROW_BYTES && r.lines === c.lines ? r : undefined;
}

/** What committing a chunk needs: rows [0, counts.rows) of `buf` are the chunk's rows. */
export interface CommitContext {
  dir: string;
  buf: Int32Array;
  tracker: BadLineTracker;
  records: Map<number, ChunkRecord>;
  afterChunk: ((id: number) => void) | undefined;
}

/** The hex SHA-256 of a chunk's rows, computed off the calling thread (WebCrypto). */
export async function rowsDigest(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
}

/** What a chunk's files hold: rows (40 int32 each), rejected lines, counts, first messages, digest. */
export interface ChunkFiles {
  bytes: Uint8Array;
  rejected: readonly string[];
  counts: LineCounts;
  messages: string[];
  sha256: string;
}

type ChunkTarget = Pick<CommitContext, "dir" | "records" | "afterChunk">;

/** Writes a chunk's rows, its rejected lines and then its completion record, each atomically. */
export function writeChunkFiles(cx: ChunkTarget, c: PlannedChunk, f: ChunkFiles): void {
  writeAtomic(`${chunkBase(cx.dir, c.id)}.bin`, f.bytes);
  finishChunk(cx, c, f);
}

/** The same, with the rows written through the thread pool (the calling thread keeps running). */
export async function writeChunkFilesAsync(cx: ChunkTarget, c: PlannedChunk, f: ChunkFiles): Promise<void> {
  const path = `${chunkBase(cx.dir, c.id)}.bin`;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, f.bytes);
  await rename(tmp, path);
  finishChunk(cx, c, f);
}

/** After the rows: the rejected lines, then the record that marks the chunk complete. */
function finishChunk(cx: ChunkTarget, c: PlannedChunk, f: ChunkFiles): void {
  const base = chunkBase(cx.dir, c.id);
  if (f.rejected.length > 0) writeAtomic(`${base}.rejects`, f.rejected.map((l) => `${l}\n`).join(""));
  const record: ChunkRecord = {
    id: c.id,
    day: c.day,
    lines: c.lines,
    ...f.counts,
    messages: f.messages,
    sha256: f.sha256,
  };
  writeAtomic(`${base}.json`, JSON.stringify(record));
  cx.records.set(c.id, record);
  cx.afterChunk?.(c.id);
}

/** Commits rows [0, counts.rows) of `cx.buf` and the tracker's rejected lines as chunk `c`. */
export function commitChunk(cx: CommitContext, c: PlannedChunk, counts: LineCounts, messages: string[]): void {
  const rejected = cx.tracker.rejected;
  cx.tracker.rejected = [];
  const bytes = new Uint8Array(cx.buf.buffer, cx.buf.byteOffset, counts.rows * ROW_BYTES);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  writeChunkFiles(cx, c, { bytes, rejected, counts, messages, sha256 });
}
