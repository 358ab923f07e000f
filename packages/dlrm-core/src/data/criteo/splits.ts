/**
 * dlrm's day structure and splits. Kaggle's single file is cut into 7 "days" of
 * floor(n/7) lines, the first n mod 7 days one line longer; Terabyte has one day per file.
 * Training uses every day but the last; the last day's first half (floor) is test, the
 * second half validation.
 */
import type { CriteoDataSet } from "./manifest.js";

export const KAGGLE_DAYS = 7;

export type SplitName = "train" | "test" | "val" | "all";

/** Lines per day from per-file line counts. */
export function dayLines(dataSet: CriteoDataSet, fileLines: readonly number[]): number[] {
  if (dataSet === "terabyte") return [...fileLines];
  const total = fileLines.reduce((a, b) => a + b, 0);
  const per = Math.floor(total / KAGGLE_DAYS);
  const extras = total % KAGGLE_DAYS;
  return Array.from({ length: KAGGLE_DAYS }, (_, d) => per + (d < extras ? 1 : 0));
}

/** A split as a half-open range of processed row numbers. */
export interface RowRange {
  start: number;
  end: number;
}

/** The rows of a split, given the processed rows of each day. */
export function splitRange(split: SplitName, dayRows: readonly number[]): RowRange {
  const total = dayRows.reduce((a, b) => a + b, 0);
  if (split === "all") return { start: 0, end: total };
  if (dayRows.length < 2)
    throw new RangeError(`the ${split} split needs at least 2 days of data, got ${dayRows.length}`);
  const last = dayRows[dayRows.length - 1]!;
  const lastStart = total - last;
  const half = Math.floor(last / 2);
  if (split === "train") return { start: 0, end: lastStart };
  if (split === "test") return { start: lastStart, end: lastStart + half };
  return { start: lastStart + half, end: total };
}
