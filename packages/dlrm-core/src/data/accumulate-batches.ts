/**
 * The source of a run with gradient accumulation (dlrm's --mlperf-grad-accum-iter N): each
 * batch is N consecutive batches of an inner source, concatenated sample by sample (dense
 * rows, each table's bags, targets), so one training step sees exactly the mini-batches
 * dlrm would accumulate. An epoch's last inner batches that do not fill N are left out.
 */
import type { Batch, BatchSource } from "./batch.js";

/** `parts` (each B samples, T tables) as one batch of parts.length * B samples. */
export function concatBatches(parts: readonly Batch[], numTables: number): Batch {
  const n = parts.length;
  const B = parts[0]!.targets.length;
  const denseIn = parts[0]!.dense.length / B;
  const dense = new Float32Array(n * B * denseIn);
  const targets = new Float32Array(n * B);
  let nnz = 0;
  parts.forEach((p, i) => {
    if (p.targets.length !== B)
      throw new RangeError(`concatBatches: batch ${i} has ${p.targets.length} samples, not ${B}`);
    dense.set(p.dense, i * B * denseIn);
    targets.set(p.targets, i * B);
    nnz += p.sparse.indices.length;
  });
  const indices = new Int32Array(nnz);
  const offsets = new Int32Array(numTables * n * B + 1);
  let at = 0;
  for (let t = 0; t < numTables; t++) {
    for (let i = 0; i < n; i++) {
      const { indices: src, offsets: off } = parts[i]!.sparse;
      const base = off[t * B]!;
      for (let b = 0; b < B; b++) offsets[(t * n + i) * B + b] = at + off[t * B + b]! - base;
      const end = off[(t + 1) * B]!;
      indices.set(src.subarray(base, end), at);
      at += end - base;
    }
  }
  offsets[numTables * n * B] = at;
  return { dense, sparse: { indices, offsets }, targets };
}

/** `inner`'s batches in groups of `n`, each group one batch (n = 1: `inner` itself). */
export function accumulateBatches(inner: BatchSource, n: number, numTables: number): BatchSource {
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`--mlperf-grad-accum-iter: expected a positive integer, got ${n}`);
  if (n === 1) return inner;
  const batchesPerEpoch = Math.floor(inner.batchesPerEpoch / n);
  if (batchesPerEpoch === 0)
    throw new RangeError(
      `--mlperf-grad-accum-iter ${n}: an epoch of ${inner.batchesPerEpoch} mini-batches holds no step of ${n}`,
    );
  return {
    batchesPerEpoch,
    maxIndicesPerBag: inner.maxIndicesPerBag,
    ...(inner.maxIndicesPerBagByTable === undefined ? {} : { maxIndicesPerBagByTable: inner.maxIndicesPerBagByTable }),
    description: `${inner.description}; steps of ${n} mini-batches (${batchesPerEpoch} per epoch)`,
    async *batches(epoch: number, from = 0) {
      let group: Batch[] = [];
      let steps = from;
      for await (const b of inner.batches(epoch, from * n)) {
        group.push(b);
        if (group.length < n) continue;
        yield concatBatches(group, numTables);
        group = [];
        if (++steps >= batchesPerEpoch) return;
      }
    },
  };
}
