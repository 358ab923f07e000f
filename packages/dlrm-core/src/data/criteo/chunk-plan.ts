/**
 * The unit of resumable preprocessing: a chunk is a run of at most `chunkRows` consecutive
 * lines of one input file within one day. Chunk ids number the chunks in input order, so
 * the processed rows are the chunks' rows concatenated by id.
 */
import type { CriteoDataSet } from "./manifest.js";
import { dayLines } from "./splits.js";

export interface PlannedChunk {
  id: number;
  file: number;
  day: number;
  /** First line of the chunk within its file (0-based). */
  firstLine: number;
  lines: number;
}

/** Cuts every (file, day) overlap into chunks of at most `chunkRows` lines. */
export function planChunks(dataSet: CriteoDataSet, fileLines: readonly number[], chunkRows: number): PlannedChunk[] {
  const days = dayLines(dataSet, fileLines);
  const dayStarts: number[] = [];
  let acc = 0;
  for (const n of days) {
    dayStarts.push(acc);
    acc += n;
  }
  const chunks: PlannedChunk[] = [];
  let fileStart = 0;
  fileLines.forEach((n, file) => {
    let line = 0;
    while (line < n) {
      const g = fileStart + line;
      let day = dayStarts.length - 1;
      while (day > 0 && dayStarts[day]! > g) day--;
      const dayEnd = dayStarts[day]! + days[day]!;
      const lines = Math.min(chunkRows, n - line, dayEnd - g);
      chunks.push({ id: chunks.length, file, day, firstLine: line, lines });
      line += lines;
    }
    fileStart += n;
  });
  return chunks;
}
