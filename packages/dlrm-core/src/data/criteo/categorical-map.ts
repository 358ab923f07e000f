/**
 * Categorical mapping from unsigned 32-bit hashes to table rows: `modulo` (hash % R, every
 * table R rows) or per-column `dictionary` in first-seen order (dlrm's data_utils.py
 * convertDicts): values v (v = hash % `modulo` when given, as dlrm does with
 * --max-ind-range) seen at least `minFrequency` times get rows 0, 1, ... in the order first
 * seen; rarer values share one last row. Dictionary tables are sized from the data.
 */
import { CRITEO_SPARSE } from "../criteo-line.js";

export type CategoricalMapping =
  { kind: "modulo"; range: number } | { kind: "dictionary"; minFrequency: number; modulo?: number };

/** Counts per column, in first-seen order (a Map keeps insertion order). */
export class DictionaryCounter {
  readonly counts: Map<number, number>[] = Array.from({ length: CRITEO_SPARSE }, () => new Map());

  /** `modulo`: count hash % modulo instead of the hash (dlrm with --max-ind-range). */
  constructor(private readonly modulo?: number) {}

  add(sparse: readonly number[]): void {
    const mod = this.modulo;
    for (let t = 0; t < CRITEO_SPARSE; t++) {
      const m = this.counts[t]!;
      const h = mod === undefined ? sparse[t]! : sparse[t]! % mod;
      m.set(h, (m.get(h) ?? 0) + 1);
    }
  }

  /** Per column: the kept hashes in row order, and whether a shared "rare" row follows them. */
  finish(minFrequency: number): { kept: Uint32Array[]; rare: boolean[] } {
    const kept: Uint32Array[] = [];
    const rare: boolean[] = [];
    for (const m of this.counts) {
      const keep: number[] = [];
      let dropped = false;
      for (const [h, c] of m) {
        if (c >= minFrequency) keep.push(h);
        else dropped = true;
      }
      kept.push(Uint32Array.from(keep));
      rare.push(dropped);
    }
    return { kept, rare };
  }
}

/** Maps a row's 26 hashes to table rows. */
export interface CategoricalMapper {
  /** Rows of each of the 26 tables. */
  readonly tableRows: number[];
  map(sparse: readonly number[], out: Int32Array): void;
}

export function moduloMapper(range: number): CategoricalMapper {
  if (!Number.isInteger(range) || range <= 0 || range > 2 ** 31 - 1)
    throw new RangeError(`--max-ind-range must be in [1, 2^31-1], got ${range}`);
  return {
    tableRows: new Array<number>(CRITEO_SPARSE).fill(range),
    map(sparse, out) {
      for (let t = 0; t < CRITEO_SPARSE; t++) out[t] = sparse[t]! % range;
    },
  };
}

/**
 * A mapper from dictionaries: kept[t][i] is the value of row i of table t, where a value is
 * the hash, or hash % `modulo` when given.
 */
export function dictionaryMapper(
  kept: readonly Uint32Array[],
  rare: readonly boolean[],
  modulo?: number,
): CategoricalMapper {
  const lookup = kept.map((k) => {
    const m = new Map<number, number>();
    k.forEach((h, i) => m.set(h, i));
    return m;
  });
  const tableRows = kept.map((k, t) => Math.max(1, k.length + (rare[t] ? 1 : 0)));
  return {
    tableRows,
    map(sparse, out) {
      for (let t = 0; t < CRITEO_SPARSE; t++) {
        const i = lookup[t]!.get(modulo === undefined ? sparse[t]! : sparse[t]! % modulo);
        out[t] = i ?? kept[t]!.length;
      }
    },
  };
}

/** Dictionaries as bytes: per column a u32 count, a u8 rare flag, then the hashes (u32 LE). */
export function encodeDictionaries(kept: readonly Uint32Array[], rare: readonly boolean[]): Buffer {
  const parts: Buffer[] = [];
  kept.forEach((k, t) => {
    const head = Buffer.alloc(5);
    head.writeUInt32LE(k.length, 0);
    head.writeUInt8(rare[t] ? 1 : 0, 4);
    parts.push(head, Buffer.from(k.buffer, k.byteOffset, k.byteLength));
  });
  return Buffer.concat(parts);
}

export function decodeDictionaries(buf: Buffer, path: string): { kept: Uint32Array[]; rare: boolean[] } {
  const kept: Uint32Array[] = [];
  const rare: boolean[] = [];
  let o = 0;
  for (let t = 0; t < CRITEO_SPARSE; t++) {
    if (o + 5 > buf.length) throw new RangeError(`${path}: dictionary file ends before column C${t + 1}`);
    const n = buf.readUInt32LE(o);
    rare.push(buf.readUInt8(o + 4) === 1);
    o += 5;
    if (o + 4 * n > buf.length) throw new RangeError(`${path}: dictionary of C${t + 1} is cut short`);
    const k = new Uint32Array(n);
    for (let i = 0; i < n; i++) k[i] = buf.readUInt32LE(o + 4 * i);
    kept.push(k);
    o += 4 * n;
  }
  return { kept, rare };
}
