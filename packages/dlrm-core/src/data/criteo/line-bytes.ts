/**
 * The fast path of the raw Criteo parser: one line read straight from its UTF-8 bytes into
 * its 40-int32 row, no string made, the line end found by the same scan. It accepts only
 * lines it can prove well formed (ASCII, 40 fields, label 0/1, at most 10 dense digits, 1-8
 * hex digits); anything else returns -1, and the caller falls back to the strict string
 * parser (criteo-line.ts), which gives the same row or the error with its message.
 */
import { CRITEO_DENSE, CRITEO_SPARSE } from "../criteo-line.js";

/** Empty fields of the lines parsed so far. */
export interface MissingCounts {
  missingDense: number;
  missingSparse: number;
}

const LF = 10;
const TAB = 9;
const CR = 13;
const MINUS = 45;
const ZERO = 48;

/** Hex digit value of each byte, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

/**
 * Parses the line starting at b[start] and ending at the next LF (or at `limit`) into
 * row[o .. o + 40): label, raw dense integers (missing 0), hashes (missing 0; % `modulo`
 * when given). A CR just before the line end is dropped. Returns the index of the line's
 * end (its LF, or `limit`), or -1 when the line needs the strict parser (row[o ..] then
 * holds partial values and `missing` is unchanged).
 */
export function parseRowBytes(
  b: Uint8Array,
  start: number,
  limit: number,
  row: Int32Array,
  o: number,
  modulo: number | undefined,
  missing: MissingCounts,
): number {
  if (start + 1 >= limit || b[start + 1] !== TAB) return -1;
  const l = b[start]! - ZERO;
  if (l !== 0 && l !== 1) return -1;
  row[o] = l;
  let p = start + 2;
  let missingDense = 0;
  for (let i = 1; i <= CRITEO_DENSE; i++) {
    if (p >= limit) return -1;
    let c = b[p]!;
    if (c === TAB) {
      row[o + i] = 0;
      missingDense++;
      p++;
      continue;
    }
    const neg = c === MINUS;
    if (neg) p++;
    let v = 0;
    const first = p;
    for (; p < limit; p++) {
      c = b[p]! - ZERO;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (p === first || p - first > 10 || p >= limit || b[p] !== TAB) return -1;
    const x = neg ? -v : v;
    if (x > 2147483647 || x < -2147483648) return -1;
    row[o + i] = x;
    p++;
  }
  let missingSparse = 0;
  const s0 = o + 1 + CRITEO_DENSE;
  for (let t = 0; t < CRITEO_SPARSE; t++) {
    let v = 0;
    const first = p;
    let c = 0;
    for (; p < limit; p++) {
      c = b[p]!;
      const h = HEX[c]!;
      if (h < 0) break;
      v = v * 16 + h;
    }
    const digits = p - first;
    if (digits > 8) return -1;
    if (digits === 0) missingSparse++;
    row[s0 + t] = modulo === undefined ? v : v % modulo;
    if (t < CRITEO_SPARSE - 1) {
      if (p >= limit || c !== TAB) return -1;
      p++;
    }
  }
  if (p < limit) {
    const c = b[p]!;
    if (c === CR) {
      if (p + 1 < limit && b[p + 1] !== LF) return -1;
      p++;
    } else if (c !== LF) return -1;
  }
  missing.missingDense += missingDense;
  missing.missingSparse += missingSparse;
  return p;
}
