/**
 * Binary rows to a training Batch: dense[b, i] = log(max(x, 0) + 1) in float32 (B x 13,
 * row-major), targets[b] = label, one index per bag: indices[t*B + b] = row b's table-t
 * index (table-major), offsets = 0..T*B. Rows past `count` (the padding of a last partial
 * evaluation batch) repeat row 0, so every index stays valid.
 */
import { CRITEO_DENSE, CRITEO_SPARSE, transformDense } from "../criteo-line.js";
import { ROW_INTS } from "./binary-rows.js";
import type { CountedBatch } from "../../metrics/evaluate.js";

/** Assembles B samples from `rows` (at least `count` rows of 40 int32). */
export function assembleBatch(rows: Int32Array, B: number, count = B): CountedBatch {
  const dense = new Float32Array(B * CRITEO_DENSE);
  const targets = new Float32Array(B);
  const indices = new Int32Array(CRITEO_SPARSE * B);
  const offsets = new Int32Array(CRITEO_SPARSE * B + 1);
  for (let b = 0; b < B; b++) {
    const o = (b < count ? b : 0) * ROW_INTS;
    targets[b] = rows[o]!;
    for (let i = 0; i < CRITEO_DENSE; i++) dense[b * CRITEO_DENSE + i] = transformDense(rows[o + 1 + i]!);
    for (let t = 0; t < CRITEO_SPARSE; t++) indices[t * B + b] = rows[o + 1 + CRITEO_DENSE + t]!;
  }
  for (let i = 0; i <= CRITEO_SPARSE * B; i++) offsets[i] = i;
  const batch: CountedBatch = { dense, sparse: { indices, offsets }, targets };
  if (count < B) batch.count = count;
  return batch;
}
