/**
 * A TensorBoard event file writer for `dlrm train --tensor-board-filename DIR`, as dlrm's
 * torch.utils.tensorboard.SummaryWriter(DIR) writes one: DIR/events.out.tfevents.<secs>.<host>.<pid>.0
 * holding TFRecord records (length, masked CRC-32C of it, an Event proto, its masked CRC-32C),
 * the first Event carrying file_version "brain.Event:2", each later one scalar summaries.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs/minimal.js";

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one table entry per byte value. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `data` ("123456789" gives 0xE3069283). */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15, add 0xA282EAD8 (mod 2^32). */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of those 8 bytes, the data, masked CRC of the data (all little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** One scalar of a summary: tensorboard's Summary.Value { tag = 1; simple_value = 2 (float) }. */
export interface Scalar {
  tag: string;
  value: number;
}

/**
 * tensorflow's Event proto { double wall_time = 1; int64 step = 2; string file_version = 3;
 * Summary summary = 5 }, with Summary { repeated Value value = 1 }.
 */
export function encodeEvent(e: {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: readonly Scalar[];
}): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 1).double(e.wallTime);
  if (e.step !== 0) w.uint32(2 << 3).int64(e.step);
  if (e.fileVersion !== undefined) w.uint32((3 << 3) | 2).string(e.fileVersion);
  if (e.scalars !== undefined && e.scalars.length > 0) {
    w.uint32((5 << 3) | 2).fork();
    for (const s of e.scalars) {
      w.uint32((1 << 3) | 2).fork();
      w.uint32((1 << 3) | 2).string(s.tag);
      w.uint32((2 << 3) | 5).float(s.value);
      w.ldelim();
    }
    w.ldelim();
  }
  return w.finish();
}

/** Appends events to a new event file in a directory (created when missing), synchronously. */
export class TensorBoardWriter {
  readonly path: string;
  private fd: number | undefined;
  private readonly now: () => number;

  /** Creates `dir` and the event file; throws an Error naming --tensor-board-filename when it cannot. */
  constructor(dir: string, now: () => number = Date.now) {
    this.now = now;
    this.path = join(dir, `events.out.tfevents.${Math.floor(now() / 1000)}.${hostname()}.${process.pid}.0`);
    try {
      mkdirSync(dir, { recursive: true });
      this.fd = openSync(this.path, "w");
    } catch (err) {
      throw new Error(
        `--tensor-board-filename ${dir}: cannot write ${this.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        { cause: err },
      );
    }
    this.append(encodeEvent({ wallTime: now() / 1000, step: 0, fileVersion: "brain.Event:2" }));
  }

  /** One Event at `step` with these scalars (SummaryWriter.add_scalar, one per tag). */
  scalars(step: number, scalars: readonly Scalar[]): void {
    this.append(encodeEvent({ wallTime: this.now() / 1000, step, scalars }));
  }

  private append(event: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`--tensor-board-filename: ${this.path} is already closed`);
    writeSync(this.fd, tfRecord(event));
  }

  /** Closes the file; further events throw. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
