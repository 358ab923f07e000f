/**
 * Bounded-memory tallies of (score key -> positives, negatives): an open-addressing hash
 * table of at most `capacity` distinct keys in typed arrays; when it fills, its entries are
 * sorted by key and spilled to a temporary file as one run (20 bytes an entry: u32 key,
 * f64 positives, f64 negatives). `sortedEntries()` merges the runs and the table with a
 * binary heap, yielding every distinct key once, ascending, with its summed counts.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ENTRY_BYTES = 20;
/** Entries read from a run at a time during the merge. */
const READ_ENTRIES = 4096;

export interface KeyCounts {
  key: number;
  positives: number;
  negatives: number;
}

/** Reads one spilled run sequentially in blocks. */
class RunReader {
  private buf = Buffer.alloc(READ_ENTRIES * ENTRY_BYTES);
  private have = 0;
  private at = 0;
  private pos = 0;
  current: KeyCounts = { key: 0, positives: 0, negatives: 0 };

  constructor(
    private readonly fd: number,
    private readonly start: number,
    private readonly entries: number,
  ) {}

  /** Moves to the next entry; false at the end of the run. */
  next(): boolean {
    if (this.at >= this.have) {
      const left = this.entries - this.pos;
      if (left <= 0) return false;
      const n = Math.min(left, READ_ENTRIES);
      readSync(this.fd, this.buf, 0, n * ENTRY_BYTES, this.start + this.pos * ENTRY_BYTES);
      this.have = n;
      this.at = 0;
      this.pos += n;
    }
    const o = this.at++ * ENTRY_BYTES;
    this.current = {
      key: this.buf.readUInt32LE(o),
      positives: this.buf.readDoubleLE(o + 4),
      negatives: this.buf.readDoubleLE(o + 12),
    };
    return true;
  }
}

export class ScoreTally {
  private readonly keys: Uint32Array;
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private readonly used: Uint8Array;
  private size = 0;
  private readonly mask: number;
  private spillDir: string | undefined;
  private spillFd = -1;
  private spillBytes = 0;
  private readonly runs: { start: number; entries: number }[] = [];

  /** `capacity`: distinct keys held in memory before a spill (rounded up to a power of 2). */
  constructor(capacity = 1 << 20) {
    let slots = 2;
    while (slots < capacity * 2) slots *= 2;
    this.keys = new Uint32Array(slots);
    this.pos = new Float64Array(slots);
    this.neg = new Float64Array(slots);
    this.used = new Uint8Array(slots);
    this.mask = slots - 1;
  }

  /** Runs spilled to disk so far. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Adds `positives` and `negatives` to `key`. */
  add(key: number, positives: number, negatives: number): void {
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    while (this.used[i] === 1 && this.keys[i] !== key) i = (i + 1) & this.mask;
    if (this.used[i] === 0) {
      if (this.size * 2 >= this.keys.length) {
        this.spill();
        this.add(key, positives, negatives);
        return;
      }
      this.used[i] = 1;
      this.keys[i] = key;
      this.size++;
    }
    this.pos[i]! += positives;
    this.neg[i]! += negatives;
  }

  /** Slots of the table's entries, sorted by key. */
  private sortedSlots(): Uint32Array {
    const slots = new Uint32Array(this.size);
    let n = 0;
    for (let i = 0; i < this.keys.length; i++) if (this.used[i] === 1) slots[n++] = i;
    return slots.sort((a, b) => this.keys[a]! - this.keys[b]!);
  }

  private spill(): void {
    if (this.spillDir === undefined) {
      this.spillDir = mkdtempSync(join(tmpdir(), "dlrm-auc-"));
      this.spillFd = openSync(join(this.spillDir, "runs.bin"), "w+");
    }
    const order = this.sortedSlots();
    const buf = Buffer.alloc(order.length * ENTRY_BYTES);
    order.forEach((s, k) => {
      const o = k * ENTRY_BYTES;
      buf.writeUInt32LE(this.keys[s]!, o);
      buf.writeDoubleLE(this.pos[s]!, o + 4);
      buf.writeDoubleLE(this.neg[s]!, o + 12);
    });
    writeSync(this.spillFd, buf, 0, buf.length, this.spillBytes);
    this.runs.push({ start: this.spillBytes, entries: order.length });
    this.spillBytes += buf.length;
    this.used.fill(0);
    this.pos.fill(0);
    this.neg.fill(0);
    this.size = 0;
  }

  /** Every distinct key once, ascending, with its counts summed over all runs. */
  *sortedEntries(): Generator<KeyCounts> {
    if (this.runs.length === 0) {
      for (const s of this.sortedSlots())
        yield { key: this.keys[s]!, positives: this.pos[s]!, negatives: this.neg[s]! };
      return;
    }
    if (this.size > 0) this.spill();
    const readers = this.runs.map((r) => new RunReader(this.spillFd, r.start, r.entries)).filter((r) => r.next());
    const heap = new MinHeap(readers);
    let cur: KeyCounts | undefined;
    while (heap.size > 0) {
      const top = heap.peek();
      const e = top.current;
      if (cur !== undefined && cur.key === e.key) {
        cur.positives += e.positives;
        cur.negatives += e.negatives;
      } else {
        if (cur !== undefined) yield cur;
        cur = { ...e };
      }
      if (top.next()) heap.siftDown(0);
      else heap.pop();
    }
    if (cur !== undefined) yield cur;
  }

  /** Removes the spill file, if any. */
  dispose(): void {
    if (this.spillDir === undefined) return;
    closeSync(this.spillFd);
    rmSync(this.spillDir, { recursive: true, force: true });
    this.spillDir = undefined;
  }
}

/** A binary min-heap of run readers ordered by their current key. */
class MinHeap {
  constructor(private readonly items: RunReader[]) {
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
  get size(): number {
    return this.items.length;
  }
  peek(): RunReader {
    return this.items[0]!;
  }
  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }
  siftDown(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.current.key < a[m]!.current.key) m = l;
      if (r < a.length && a[r]!.current.key < a[m]!.current.key) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
