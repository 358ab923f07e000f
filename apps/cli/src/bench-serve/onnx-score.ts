/**
 * The onnxruntime-node side of `dlrm bench --serve`: the exported model scored in this
 * process on the same TSV lines in batches of the requests' size (lines parsed, hashed and
 * fed per batch, as the server does per request), one batch at a time; latency percentiles,
 * rows/s and the scores. onnxruntime-node is a dev dependency: imported only here.
 */
import { criteoBatch, parseCriteoLine, CRITEO_DENSE, CRITEO_SPARSE } from "@dlrm/core";
import { percentile } from "./percentile.js";

export interface OnnxResult {
  batches: number;
  rowsPerBatch: number;
  seconds: number;
  rowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Probabilities of every row, in order. */
  scores: Float32Array;
}

type Ort = typeof import("onnxruntime-node");

/** onnxruntime-node, or an Error saying how to install it. */
export async function loadOnnxRuntime(): Promise<Ort> {
  try {
    return await import("onnxruntime-node");
  } catch (e) {
    throw new Error(
      `bench --serve: onnxruntime-node (a dev dependency of @dlrm/cli) cannot be loaded: ${(e as Error).message.split("\n")[0]}`,
      { cause: e },
    );
  }
}

/** The model's feeds for lines [start, start + B): dense [B, 13], per table B indices and offsets 0..B-1. */
function feeds(ort: Ort, lines: readonly string[], start: number, B: number, range: number) {
  const rows = lines.slice(start, start + B).map((l, i) => parseCriteoLine(l, "request", start + i + 1));
  const batch = criteoBatch(rows, 0, B, range);
  const out: Record<string, InstanceType<Ort["Tensor"]>> = {
    dense: new ort.Tensor("float32", batch.dense, [B, CRITEO_DENSE]),
  };
  const offsets = BigInt64Array.from({ length: B }, (_, b) => BigInt(b));
  for (let t = 0; t < CRITEO_SPARSE; t++) {
    out[`indices_${t}`] = new ort.Tensor(
      "int64",
      BigInt64Array.from(batch.sparse.indices.subarray(t * B, (t + 1) * B), (v) => BigInt(v)),
      [B],
    );
    out[`offsets_${t}`] = new ort.Tensor("int64", offsets, [B]);
  }
  return out;
}

/**
 * Scores the TSV lines `rows` with `modelFile` in batches of `rowsPerBatch` (the last one may be shorter),
 * for at most `maxBatches` timed batches (cycling over the rows) or `maxSeconds`, after one
 * untimed pass that collects every row's score.
 */
export async function onnxScore(
  modelFile: string,
  rows: readonly string[],
  range: number,
  rowsPerBatch: number,
  maxBatches: number,
  maxSeconds: number,
): Promise<OnnxResult> {
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(modelFile);
  try {
    const scores = new Float32Array(rows.length).fill(NaN);
    for (let s = 0; s < rows.length; s += rowsPerBatch) {
      const B = Math.min(rowsPerBatch, rows.length - s);
      const r = await session.run(feeds(ort, rows, s, B, range));
      scores.set(r.probabilities!.data as Float32Array, s);
    }
    const times: number[] = [];
    const started = performance.now();
    const whole = Math.floor(rows.length / rowsPerBatch);
    while (times.length < maxBatches && performance.now() - started < maxSeconds * 1000) {
      const s = (times.length % whole) * rowsPerBatch;
      const t0 = performance.now();
      await session.run(feeds(ort, rows, s, rowsPerBatch, range));
      times.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      batches: times.length,
      rowsPerBatch,
      seconds,
      rowsPerSecond: (times.length * rowsPerBatch) / seconds,
      p50Ms: percentile(times, 0.5),
      p99Ms: percentile(times, 0.99),
      scores,
    };
  } finally {
    await session.release();
  }
}
