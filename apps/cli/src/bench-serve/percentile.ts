/**
 * Percentiles of measured latencies for `dlrm bench --serve`'s in-process rows
 * (onnxruntime-node's batches), by the nearest-rank definition: the smallest sample with at
 * least a fraction q of the samples at or below it.
 */

/** The nearest-rank q-quantile (0 < q <= 1) of `xs`; NaN for no samples. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
