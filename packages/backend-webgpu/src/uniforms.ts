/**
 * Per-dispatch uniforms: every dispatch gets its own 64-byte slot (16 scalars) in a chunked
 * uniform buffer, bound with a dynamic offset, so a whole lazy step can hold many dispatches
 * with different shapes. Slots are filled in a host mirror and uploaded once per submission;
 * chunks are created on first need and reused every step afterwards.
 */

/** A u32 (plain number), an f32 or an i32 scalar of a uniform struct. */
export type UniformValue = number | { readonly f: number } | { readonly i: number };

/** Scalars per slot; every kernel's uniform struct has at most this many 4-byte fields. */
export const UNIFORM_WORDS = 16;
/** Slots per chunk. */
const SLOTS_PER_CHUNK = 256;

/** Where a dispatch's uniforms are: chunk number and dynamic offset. */
export interface UniformSlot {
  readonly chunk: number;
  readonly offset: number;
}

export class UniformArena {
  private readonly chunks: GPUBuffer[] = [];
  private readonly mirrors: ArrayBuffer[] = [];
  private used = 0;
  readonly slotBytes: number;

  constructor(
    private readonly device: GPUDevice,
    alignment: number,
  ) {
    this.slotBytes = Math.max(UNIFORM_WORDS * 4, Math.ceil((UNIFORM_WORDS * 4) / alignment) * alignment);
  }

  /** The buffer of chunk `c`. */
  chunk(c: number): GPUBuffer {
    const b = this.chunks[c];
    if (b === undefined) throw new Error(`uniform chunk ${c} does not exist`);
    return b;
  }

  /** Stores `values` in the next free slot. */
  push(values: readonly UniformValue[]): UniformSlot {
    if (values.length > UNIFORM_WORDS)
      throw new RangeError(`at most ${UNIFORM_WORDS} uniform values, got ${values.length}`);
    const slot = this.used++;
    const c = Math.floor(slot / SLOTS_PER_CHUNK);
    if (c === this.chunks.length) {
      this.chunks.push(
        this.device.createBuffer({
          size: SLOTS_PER_CHUNK * this.slotBytes,
          usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
          label: `uniforms ${c}`,
        }),
      );
      this.mirrors.push(new ArrayBuffer(SLOTS_PER_CHUNK * this.slotBytes));
    }
    const offset = (slot % SLOTS_PER_CHUNK) * this.slotBytes;
    const mirror = this.mirrors[c]!;
    const u32 = new Uint32Array(mirror, offset, UNIFORM_WORDS);
    const f32 = new Float32Array(mirror, offset, UNIFORM_WORDS);
    const i32 = new Int32Array(mirror, offset, UNIFORM_WORDS);
    values.forEach((v, k) => {
      if (typeof v === "number") u32[k] = v >>> 0;
      else if ("f" in v) f32[k] = v.f;
      else i32[k] = v.i;
    });
    return { chunk: c, offset };
  }

  /** Uploads every slot used since the last flush and starts over (call right before submit). */
  flush(queue: GPUQueue): void {
    const full = Math.floor(this.used / SLOTS_PER_CHUNK);
    for (let c = 0; c <= full && c < this.chunks.length; c++) {
      const slots = c < full ? SLOTS_PER_CHUNK : this.used % SLOTS_PER_CHUNK;
      if (slots > 0) queue.writeBuffer(this.chunks[c]!, 0, this.mirrors[c]!, 0, slots * this.slotBytes);
    }
    this.used = 0;
  }

  destroy(): void {
    for (const b of this.chunks) b.destroy();
    this.chunks.length = 0;
    this.mirrors.length = 0;
  }
}
