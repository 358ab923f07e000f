/**
 * A Criteo TSV file as a batch source, for the PyTorch parity runs and small real-data
 * training: rows in file order, consecutive batches, one index per bag, dense
 * log(max(x,0)+1), categorical unsigned hash % --max-ind-range (tables of that many rows).
 * The full streaming pipeline (preprocess, splits, shuffling) is its own module.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { CriteoTsvDataConfig, TrainConfig } from "../config.js";
import type { Batch, BatchSource } from "./batch.js";
import { CRITEO_DENSE, CRITEO_SPARSE, parseCriteoLine, transformDense, type CriteoRow } from "./criteo-line.js";

/** Reads up to `maxRows` rows (0 = all) strictly; a bad line throws naming file and line. */
export async function readCriteoRows(path: string, maxRows: number): Promise<CriteoRow[]> {
  const rows: CriteoRow[] = [];
  const input = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (let text of lines) {
      lineNo++;
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      rows.push(parseCriteoLine(text, path, lineNo));
      if (maxRows > 0 && rows.length >= maxRows) break;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return rows;
}

/** Turns rows [start, start + B) into a batch with the modulo mapping. */
export function criteoBatch(rows: readonly CriteoRow[], start: number, batchSize: number, maxIndRange: number): Batch {
  const B = batchSize;
  const dense = new Float32Array(B * CRITEO_DENSE);
  const targets = new Float32Array(B);
  const indices = new Int32Array(CRITEO_SPARSE * B);
  const offsets = new Int32Array(CRITEO_SPARSE * B + 1);
  for (let b = 0; b < B; b++) {
    const row = rows[start + b]!;
    targets[b] = row.label;
    for (let i = 0; i < CRITEO_DENSE; i++) dense[b * CRITEO_DENSE + i] = transformDense(row.dense[i]!);
    for (let t = 0; t < CRITEO_SPARSE; t++) indices[t * B + b] = row.sparse[t]! % maxIndRange;
  }
  for (let i = 0; i <= CRITEO_SPARSE * B; i++) offsets[i] = i;
  return { dense, sparse: { indices, offsets }, targets };
}

/** Checks that the model has Criteo's shape (13 dense inputs, 26 tables of maxIndRange rows). */
function checkModelFitsCriteo(cfg: TrainConfig, data: CriteoTsvDataConfig): void {
  const m = cfg.model;
  if (m.bottomMlp[0] !== CRITEO_DENSE)
    throw new RangeError(`--arch-mlp-bot must start with ${CRITEO_DENSE} for Criteo data, got ${m.bottomMlp[0]}`);
  if (m.tableRows.length !== CRITEO_SPARSE)
    throw new RangeError(
      `Criteo data has ${CRITEO_SPARSE} categorical features; the model has ${m.tableRows.length} tables`,
    );
  const bad = m.tableRows.findIndex((r) => r < data.maxIndRange);
  if (bad >= 0)
    throw new RangeError(`table ${bad} has ${m.tableRows[bad]} rows, fewer than --max-ind-range ${data.maxIndRange}`);
}

export async function createCriteoTsvSource(cfg: TrainConfig, data: CriteoTsvDataConfig): Promise<BatchSource> {
  checkModelFitsCriteo(cfg, data);
  const rows = await readCriteoRows(data.path, data.maxRows);
  const whole = Math.floor(rows.length / cfg.batchSize);
  const batchesPerEpoch = cfg.numBatches > 0 ? Math.min(whole, cfg.numBatches) : whole;
  if (batchesPerEpoch === 0)
    throw new RangeError(`${data.path}: ${rows.length} rows hold no whole batch of ${cfg.batchSize}`);
  return {
    batchesPerEpoch,
    maxIndicesPerBag: 1,
    description: `${data.path}: ${rows.length} rows, ${batchesPerEpoch} batches of ${cfg.batchSize}, hash % ${data.maxIndRange}`,
    async *batches(_epoch: number, from = 0) {
      for (let i = from; i < batchesPerEpoch; i++)
        yield criteoBatch(rows, i * cfg.batchSize, cfg.batchSize, data.maxIndRange);
    },
  };
}

/**
 * Every row of a Criteo TSV file for scoring (`dlrm predict`, `dlrm train --inference-only`):
 * ceil(rows / B) batches in file order; the last is padded with copies of the final row and
 * carries `count` = its real rows, so every row is scored exactly once.
 */
export function criteoScoringSource(
  rows: readonly CriteoRow[],
  path: string,
  batchSize: number,
  maxIndRange: number,
): BatchSource {
  if (rows.length === 0) throw new RangeError(`${path}: no rows to score`);
  const batchesPerEpoch = Math.ceil(rows.length / batchSize);
  return {
    batchesPerEpoch,
    maxIndicesPerBag: 1,
    description: `${path}: ${rows.length} rows, ${batchesPerEpoch} batches of ${batchSize}, hash % ${maxIndRange}`,
    async *batches(_epoch: number, from = 0) {
      for (let i = from; i < batchesPerEpoch; i++) {
        const start = i * batchSize;
        const count = Math.min(batchSize, rows.length - start);
        const slice = rows.slice(start, start + count);
        while (slice.length < batchSize) slice.push(rows[rows.length - 1]!);
        yield { ...criteoBatch(slice, 0, batchSize, maxIndRange), count };
      }
    },
  };
}

/** Lines in `path`: newline bytes, plus one for a last line without its newline. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  return last === 0x0a ? lines : lines + 1;
}

/**
 * criteoScoringSource over a file of any length, read as it is scored (B rows in memory):
 * one pass counts the lines, a second parses them strictly (a bad line throws naming file,
 * line and field when its batch is reached).
 */
export async function streamCriteoScoringSource(
  path: string,
  batchSize: number,
  maxIndRange: number,
): Promise<BatchSource> {
  const total = await countLines(path);
  if (total === 0) throw new RangeError(`${path}: no rows to score`);
  const batchesPerEpoch = Math.ceil(total / batchSize);
  return {
    batchesPerEpoch,
    maxIndicesPerBag: 1,
    description: `${path}: ${total} rows, ${batchesPerEpoch} batches of ${batchSize}, hash % ${maxIndRange}`,
    async *batches() {
      const input = createReadStream(path, { encoding: "utf8" });
      const lines = createInterface({ input, crlfDelay: Infinity });
      let lineNo = 0;
      let rows: CriteoRow[] = [];
      try {
        for await (let text of lines) {
          lineNo++;
          if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          rows.push(parseCriteoLine(text, path, lineNo));
          if (rows.length === batchSize) {
            yield { ...criteoBatch(rows, 0, batchSize, maxIndRange), count: batchSize };
            rows = [];
          }
        }
        if (rows.length > 0) {
          const count = rows.length;
          while (rows.length < batchSize) rows.push(rows[count - 1]!);
          yield { ...criteoBatch(rows, 0, batchSize, maxIndRange), count };
        }
      } finally {
        lines.close();
        input.destroy();
      }
    },
  };
}
