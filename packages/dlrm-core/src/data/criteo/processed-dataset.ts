/**
 * A finished preprocessed directory opened for reading: its manifest summary (rows per
 * day, table sizes) and its chunk files seen as one sequence of rows, read by positional
 * reads of row ranges that may span chunks. An unfinished directory is refused.
 */
import { join, resolve } from "node:path";
import { ROW_INTS, BinaryRowsFile } from "./binary-rows.js";
import { readManifest, type ManifestKey, type ProcessedSummary } from "./manifest.js";

export class ProcessedDataset {
  readonly rows: number;
  private readonly files: (BinaryRowsFile | undefined)[];
  /** chunkStarts[i] = first row of chunk i; one more entry holds the total. */
  private readonly chunkStarts: number[];

  private constructor(
    readonly dir: string,
    readonly key: ManifestKey,
    readonly summary: ProcessedSummary,
  ) {
    this.chunkStarts = [0];
    for (const c of summary.chunks) this.chunkStarts.push(this.chunkStarts[this.chunkStarts.length - 1]! + c.rows);
    this.rows = summary.rows;
    this.files = summary.chunks.map(() => undefined);
  }

  static open(dir: string): ProcessedDataset {
    const abs = resolve(dir);
    const m = readManifest(abs);
    if (m === undefined) throw new RangeError(`${abs}: no ${"manifest.json"}; run \`dlrm preprocess\` first`);
    if (!m.complete || m.summary === undefined)
      throw new RangeError(`${abs}: preprocessing did not finish; rerun it to complete the missing chunks`);
    return new ProcessedDataset(abs, m.key, m.summary);
  }

  private file(i: number): BinaryRowsFile {
    let f = this.files[i];
    if (f === undefined) {
      f = new BinaryRowsFile(join(this.dir, "chunks", `${String(this.summary.chunks[i]!.id).padStart(6, "0")}.bin`));
      if (f.rows !== this.summary.chunks[i]!.rows)
        throw new RangeError(`${f.path}: ${f.rows} rows, the manifest says ${this.summary.chunks[i]!.rows}`);
      this.files[i] = f;
    }
    return f;
  }

  /** The chunk holding row r (binary search over chunk starts). */
  private chunkOf(r: number): number {
    let lo = 0;
    let hi = this.chunkStarts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunkStarts[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Splits [start, start+count) into per-chunk pieces: (chunk, first row in chunk, rows, output row). */
  private pieces(start: number, count: number): [number, number, number, number][] {
    if (start < 0 || start + count > this.rows)
      throw new RangeError(`${this.dir}: rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
    const out: [number, number, number, number][] = [];
    let r = start;
    while (r < start + count) {
      const c = this.chunkOf(r);
      const n = Math.min(start + count, this.chunkStarts[c + 1]!) - r;
      out.push([c, r - this.chunkStarts[c]!, n, r - start]);
      r += n;
    }
    return out;
  }

  /** Reads rows [start, start+count) (40 int32 each) into `out` at row `at`. */
  readSync(start: number, count: number, out: Int32Array, at = 0): void {
    for (const [c, local, n, o] of this.pieces(start, count)) this.file(c).readSync(local, n, out, at + o);
  }

  /** The same through the thread pool. */
  async read(start: number, count: number, out: Int32Array, at = 0): Promise<void> {
    await Promise.all(this.pieces(start, count).map(([c, local, n, o]) => this.file(c).read(local, n, out, at + o)));
  }

  /** Every row of [start, end) in one array (the in-memory mode). */
  loadRange(start: number, end: number): Int32Array {
    const out = new Int32Array((end - start) * ROW_INTS);
    this.readSync(start, end - start, out);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f?.close()));
  }
}
