/**
 * The arena that owns the backend's linear memory: first-fit allocation of 64-byte aligned
 * blocks from a sorted free list (neighbours coalesce on free), bump allocation at the top,
 * and growth of the memory up to 4 GiB. Typed-array views are re-created after each grow,
 * because growing a shared memory hands out a new, longer SharedArrayBuffer.
 */
import { MAX_PAGES, PAGE_BYTES } from "./loader.js";

/** Block alignment: a cache line, and a multiple of the 16-byte v128 alignment. */
export const ALIGN = 64;

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

interface Block {
  offset: number;
  bytes: number;
}

export class Arena {
  /** Views over the whole memory; valid until the next allocation that grows it. */
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  private top: number;
  private readonly freeList: Block[] = [];
  private readonly live = new Map<number, number>();

  /** `base` is the first usable byte (past the module's static data). */
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = alignUp(base, ALIGN);
    this.refreshViews();
  }

  /** Bytes currently handed out. */
  get liveBytes(): number {
    let sum = 0;
    for (const bytes of this.live.values()) sum += bytes;
    return sum;
  }

  /** Current size of the linear memory in bytes. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Returns the offset of a fresh block of at least `bytes` bytes (64-byte aligned, at or above the base).
   * Throws a RangeError naming `label` when 4 GiB cannot hold it.
   */
  alloc(bytes: number, label: string): number {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (let i = 0; i < this.freeList.length; i++) {
      const block = this.freeList[i]!;
      if (block.bytes < size) continue;
      const offset = block.offset;
      if (block.bytes === size) this.freeList.splice(i, 1);
      else this.freeList[i] = { offset: offset + size, bytes: block.bytes - size };
      this.live.set(offset, size);
      return offset;
    }
    const offset = this.top;
    const end = offset + size;
    if (end > MAX_PAGES * PAGE_BYTES) {
      throw new RangeError(
        `wasm backend: cannot allocate ${label} (${bytes} bytes): linear memory is limited to 4 GiB and ${this.liveBytes} bytes are in use`,
      );
    }
    this.ensure(end, label, bytes);
    this.top = end;
    this.live.set(offset, size);
    return offset;
  }

  /** Returns a block to the free list, merging it with free neighbours (and the top). */
  free(offset: number): void {
    const bytes = this.live.get(offset);
    if (bytes === undefined) throw new Error(`wasm backend: arena has no live block at ${offset}`);
    this.live.delete(offset);
    let block: Block = { offset, bytes };
    let i = this.freeList.findIndex((b) => b.offset > offset);
    if (i < 0) i = this.freeList.length;
    const next = this.freeList[i];
    if (next !== undefined && block.offset + block.bytes === next.offset) {
      block = { offset: block.offset, bytes: block.bytes + next.bytes };
      this.freeList.splice(i, 1);
    }
    const prev = this.freeList[i - 1];
    if (prev !== undefined && prev.offset + prev.bytes === block.offset) {
      block = { offset: prev.offset, bytes: prev.bytes + block.bytes };
      this.freeList.splice(i - 1, 1);
      i--;
    }
    if (block.offset + block.bytes === this.top) this.top = block.offset;
    else this.freeList.splice(i, 0, block);
  }

  /** Grows the memory so that [0, end) is addressable, then refreshes the views. */
  private ensure(end: number, label: string, bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE_BYTES);
    const current = have / PAGE_BYTES;
    const want = Math.min(MAX_PAGES - current, Math.max(pages, Math.ceil(current / 4)));
    try {
      this.memory.grow(want);
    } catch {
      try {
        this.memory.grow(pages);
      } catch (error) {
        throw new RangeError(
          `wasm backend: cannot allocate ${label} (${bytes} bytes): growing linear memory to ${end} bytes failed (${String(error)})`,
          { cause: error },
        );
      }
    }
    this.refreshViews();
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }
}
