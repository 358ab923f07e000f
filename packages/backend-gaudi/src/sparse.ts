/**
 * Host preprocessing through the addon: the C++ version of core's `buildSparseBatch` and
 * `validateSparseInput` (same layouts, same checks and messages, SparseInputError on bad
 * input), for data pipelines where batch preparation must not be the bottleneck.
 */
import { SparseInputError, type HostSparseBatch, type HostSparseInput } from "@dlrm/core";
import { loadNative, type NativeAddon } from "./native.js";

function addon(): NativeAddon {
  const { addon: a, reason } = loadNative();
  if (a === undefined) throw new Error(`@dlrm/backend-gaudi: ${reason}`);
  return a;
}

function rowsArray(tableRows: readonly number[]): Int32Array {
  for (const r of tableRows) {
    if (!Number.isInteger(r) || r <= 0 || r > 2 ** 31 - 1) throw new RangeError(`tableRows: ${r} is not a row count in [1, 2^31-1]`);
  }
  return Int32Array.from(tableRows);
}

/** Runs fn, turning the addon's RangeErrors about the batch into SparseInputError. */
function asSparseError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError && !(e instanceof SparseInputError) && !e.message.includes("argument")) throw new SparseInputError(e.message);
    throw e;
  }
}

/** Throws SparseInputError when offsets or indices are invalid for these tables (C++). */
export function validateSparseInputNative(input: HostSparseInput, tableRows: readonly number[], batchSize: number): void {
  const rows = rowsArray(tableRows);
  asSparseError(() => addon().validateSparseInput(input.indices, input.offsets, rows, batchSize));
}

/** Unique rows and the CSR inverse map per table, validated first (C++, tables in parallel). */
export function buildSparseBatchNative(input: HostSparseInput, tableRows: readonly number[], batchSize: number): HostSparseBatch {
  const rows = rowsArray(tableRows);
  const out = asSparseError(() => addon().buildSparseBatch(input.indices, input.offsets, rows, batchSize));
  return { indices: input.indices, offsets: input.offsets, ...out };
}
