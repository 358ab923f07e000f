/**
 * A strict safetensors reader and an atomic writer. Layout: an 8-byte little-endian header
 * length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?},
 * then the raw little-endian data. The reader validates the whole header against the file
 * (sizes, offsets, dtypes, shapes, gaps and overlaps) before it allocates any tensor.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A float32 tensor by name, in dlrm's state_dict naming. */
export interface NamedTensor {
  dtype: "F32";
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, NamedTensor>;

/** Thrown for any malformed or unsupported file; the message names the file and the problem. */
export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "SafetensorsError";
  }
}

const ITEM_SIZE: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * The keys of a JSON object's top level, in order, duplicates included (JSON.parse keeps
 * only the last of a duplicated key, which would hide a malformed file). Assumes valid JSON.
 */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === "{" || c === "[") {
      depth++;
      expectKey = c === "{" && depth === 1;
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "," && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/** A parsed, validated header: entries sorted by offset, where the data starts, the metadata. */
export interface SafetensorsHeader {
  entries: HeaderEntry[];
  dataStart: number;
  metadata: Record<string, string>;
}

/**
 * Parses and validates the header of a safetensors file of `fileSize` bytes whose first
 * bytes are `bytes` (at least the 8-byte length and the header; the whole file works too).
 */
export function parseSafetensorsHeader(file: string, bytes: Uint8Array, fileSize = bytes.length): SafetensorsHeader {
  if (fileSize < 8 || bytes.length < 8)
    throw new SafetensorsError(file, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES))
    throw new SafetensorsError(file, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(headerLength);
  if (8 + n > fileSize)
    throw new SafetensorsError(file, `header length ${n} runs past the end of the file (${fileSize} bytes)`);
  if (8 + n > bytes.length)
    throw new RangeError(`parseSafetensorsHeader: ${8 + n} header bytes needed, ${bytes.length} given`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new SafetensorsError(file, "header is not a JSON object");
  const keys = topLevelKeys(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) throw new SafetensorsError(file, `tensor ${duplicate} appears twice in the header`);
  const dataStart = 8 + n;
  const dataLength = fileSize - dataStart;
  const entries: HeaderEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Object.values(raw).some((v) => typeof v !== "string")) {
        throw new SafetensorsError(file, "__metadata__ must map strings to strings");
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) throw new SafetensorsError(file, `tensor ${name}: entry is not an object`);
    if (typeof e.dtype !== "string" || !(e.dtype in ITEM_SIZE))
      throw new SafetensorsError(file, `tensor ${name}: unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new SafetensorsError(file, `tensor ${name}: shape must be a list of non-negative integers`);
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      off.some((d) => !Number.isSafeInteger(d) || d < 0) ||
      off[0] > off[1]
    ) {
      throw new SafetensorsError(file, `tensor ${name}: data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    const shape = e.shape as number[];
    const [begin, end] = off as [number, number];
    const expected = shape.reduce((a, d) => a * d, 1) * ITEM_SIZE[e.dtype]!;
    if (end - begin !== expected) {
      throw new SafetensorsError(
        file,
        `tensor ${name}: ${end - begin} data bytes but shape [${shape.join(", ")}] of ${e.dtype} needs ${expected}`,
      );
    }
    if (end > dataLength)
      throw new SafetensorsError(
        file,
        `tensor ${name}: data ends at ${end}, past the ${dataLength} data bytes in the file`,
      );
    entries.push({ name, dtype: e.dtype, shape, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) throw new SafetensorsError(file, `tensor ${e.name}: data overlaps the previous tensor`);
    if (e.begin > cursor)
      throw new SafetensorsError(file, `tensor ${e.name}: gap of ${e.begin - cursor} bytes before its data`);
    cursor = e.end;
  }
  if (cursor !== dataLength)
    throw new SafetensorsError(file, `${dataLength - cursor} trailing bytes after the last tensor`);
  return { entries, dataStart, metadata };
}

/** An open safetensors file whose header has been validated against its size. */
export interface OpenSafetensors extends SafetensorsHeader {
  path: string;
  fd: number;
}

/** Opens `path` and validates its header before any tensor is allocated. Close with `closeSync(fd)`. */
export function openSafetensors(path: string): OpenSafetensors {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new SafetensorsError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const lengthBytes = new Uint8Array(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const n = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    const wanted = n > BigInt(MAX_HEADER_BYTES) || 8n + n > BigInt(size) ? 8 : 8 + Number(n);
    const prefix = new Uint8Array(wanted);
    readSync(fd, prefix, 0, wanted, 0);
    return { path, fd, ...parseSafetensorsHeader(path, prefix, size) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads one tensor's bytes into `into` (exactly end - begin bytes). */
export function readTensorBytes(file: OpenSafetensors, entry: HeaderEntry, into: Uint8Array): void {
  let done = 0;
  const length = entry.end - entry.begin;
  while (done < length) {
    const n = readSync(file.fd, into, done, Math.min(length - done, 1 << 30), file.dataStart + entry.begin + done);
    if (n === 0) throw new SafetensorsError(file.path, `tensor ${entry.name}: file ended early`);
    done += n;
  }
}

/** Reads a safetensors file of float32 tensors, one tensor at a time. Every problem is a SafetensorsError naming the file. */
export function readSafetensors(path: string, wanted: (name: string) => boolean = () => true): StateDict {
  const file = openSafetensors(path);
  try {
    const out: StateDict = new Map();
    for (const e of file.entries) {
      if (e.dtype !== "F32")
        throw new SafetensorsError(path, `tensor ${e.name}: dtype ${e.dtype} is not supported (float32 only)`);
      if (!wanted(e.name)) continue;
      const data = new Float32Array(e.shape.reduce((a, d) => a * d, 1));
      readTensorBytes(file, e, new Uint8Array(data.buffer));
      out.set(e.name, { dtype: "F32", shape: e.shape, data });
    }
    return out;
  } finally {
    closeSync(file.fd);
  }
}

/**
 * The bytes of a safetensors file as chunks: the length and header first, then a view of
 * each tensor's data (no copies, so a multi-gigabyte table is never duplicated).
 */
export function safetensorsChunks(tensors: StateDict, metadata?: Record<string, string>): Uint8Array[] {
  const head = safetensorsHead(
    [...tensors].map(([name, t]) => ({ name, shape: t.shape })),
    metadata,
  );
  return [
    head,
    ...[...tensors.values()].map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ];
}

/**
 * The 8-byte length and the JSON header (padded to 8 bytes) of a file of float32 tensors
 * laid out in the given order, back to back; the data starts at head.length.
 */
export function safetensorsHead(
  tensors: readonly { name: string; shape: readonly number[] }[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header["__metadata__"] = metadata;
  let offset = 0;
  for (const { name, shape } of tensors) {
    const bytes = shape.reduce((a, d) => a * d, 1) * 4;
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const head = new Uint8Array(8 + headerBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  head.set(headerBytes, 8);
  return head;
}

/** Serialises float32 tensors (in the given order) with optional string metadata into one buffer. */
export function encodeSafetensors(tensors: StateDict, metadata?: Record<string, string>): Uint8Array {
  const chunks = safetensorsChunks(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** The file-system calls an atomic write makes; tests replace them to inject faults. */
export interface AtomicWriteIo {
  openSync: typeof openSync;
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
  fsyncSync: typeof fsyncSync;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
  rmSync: typeof rmSync;
}

const NODE_IO: AtomicWriteIo = {
  openSync,
  writeSync: (fd, b, o, l) => writeSync(fd, b, o, l),
  fsyncSync,
  closeSync,
  renameSync,
  rmSync,
};

/** Thrown when a write fails; names the target path and the errno code. */
export class AtomicWriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    cause: Error,
  ) {
    super(`cannot write ${path}: ${code} (${cause.message}); the previous file, if any, is untouched`);
    this.name = "AtomicWriteError";
  }
}

/**
 * Writes bytes atomically: a temporary file in the same directory, fsync, rename over the
 * target, fsync of the directory. On failure the temporary file is removed, the previous
 * target (if any) is untouched, and an AtomicWriteError names the path and errno.
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | readonly Uint8Array[],
  io: AtomicWriteIo = NODE_IO,
): void {
  const chunks = data instanceof Uint8Array ? [data] : data;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = io.openSync(tmp, "wx");
    created = true;
    for (const bytes of chunks) {
      let written = 0;
      while (written < bytes.length)
        written += io.writeSync(fd, bytes, written, Math.min(bytes.length - written, 1 << 30));
    }
    io.fsyncSync(fd);
    io.closeSync(fd);
    fd = undefined;
    io.renameSync(tmp, path);
    created = false;
    const dirFd = io.openSync(dir, "r");
    try {
      io.fsyncSync(dirFd);
    } finally {
      io.closeSync(dirFd);
    }
  } catch (e) {
    if (fd !== undefined) io.closeSync(fd);
    if (created) io.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    throw new AtomicWriteError(path, err.code ?? "EIO", err);
  }
}

/** Writes a state dict as safetensors, atomically. */
export function writeSafetensors(path: string, tensors: StateDict, metadata?: Record<string, string>): void {
  writeFileAtomic(path, safetensorsChunks(tensors, metadata));
}
