/**
 * The one check of lossBackward's `meanOver` argument, shared by every backend: the mean's
 * denominator M (an integer >= batchSize, default batchSize). One rank of a multi-process
 * run passes the global batch, so its samples' gradient is their share of the global mean.
 */

/** M for lossBackward; TypeError for a non-integer, RangeError below batchSize, naming the argument. */
export function meanOver(op: string, value: number | undefined, batchSize: number): number {
  if (value === undefined) return batchSize;
  if (typeof value !== "number" || !Number.isInteger(value)) throw new TypeError(`${op}: 'meanOver' must be an integer, got ${String(value)}`);
  if (value < batchSize || value < 1) throw new RangeError(`${op}: 'meanOver' must be at least batchSize (${batchSize}), got ${value}`);
  return value;
}
