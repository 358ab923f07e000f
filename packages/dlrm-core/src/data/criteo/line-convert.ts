/**
 * One raw line to one binary row: strict parse (errors go to the bad-line policy), count of
 * missing fields, categorical mapping, optional negative sub-sampling, and encoding at the
 * next free row of a chunk buffer.
 */
import { CRITEO_DENSE, CriteoParseError, parseCriteoLine } from "../criteo-line.js";
import type { BadLineTracker } from "./bad-lines.js";
import { encodeRow } from "./binary-rows.js";
import type { CategoricalMapper } from "./categorical-map.js";

/** Counts of one chunk's lines. */
export interface LineCounts {
  rows: number;
  bad: number;
  subSampled: number;
  missingDense: number;
  missingSparse: number;
}

export const emptyCounts = (): LineCounts => ({ rows: 0, bad: 0, subSampled: 0, missingDense: 0, missingSparse: 0 });

/** Adds the empty dense and categorical fields of a well-formed line to `c`. */
export function countMissing(text: string, c: LineCounts): void {
  let field = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = i < text.length ? text.charCodeAt(i) : 9;
    if (ch !== 9 && !(ch === 13 && i === text.length - 1)) continue;
    if (i === start && field > 0) {
      if (field <= CRITEO_DENSE) c.missingDense++;
      else c.missingSparse++;
    }
    field++;
    start = i + 1;
    if (ch === 13) break;
  }
}

/**
 * Parses `text` (line `line` of `file`); on success maps and appends it to `out` unless
 * `keepNegative()` says to drop a negative. Returns the parsed row's label, or -1 when bad.
 */
export function convertLine(
  text: string,
  file: string,
  line: number,
  mapper: CategoricalMapper,
  tracker: BadLineTracker,
  out: Int32Array,
  counts: LineCounts,
  mapped: Int32Array,
  keepNegative: () => boolean,
): number {
  let row;
  try {
    row = parseCriteoLine(text, file, line);
  } catch (e) {
    if (!(e instanceof CriteoParseError)) throw e;
    counts.bad++;
    tracker.badLine(text, e);
    return -1;
  }
  tracker.good();
  countMissing(text, counts);
  if (row.label === 0 && !keepNegative()) {
    counts.subSampled++;
    return 0;
  }
  mapper.map(row.sparse, mapped);
  encodeRow(out, counts.rows++, row.label, row.dense, mapped);
  return row.label;
}
