/**
 * dlrm's --num-workers N for `dlrm train`: the DataLoader workers that prepare training
 * batches ahead of the model. Here N = 0 (dlrm's default) assembles them on the main thread;
 * N > 0 assembles them in a worker thread, 2N batches ahead (N workers with PyTorch's
 * prefetch_factor 2). Only --data-generation dataset reads batches; random ones are made
 * on the main thread.
 */
import { Command, Option } from "commander";
import { UsageError } from "../errors.js";
import type { DatasetSetup } from "./dataset-flags.js";
import { intArg } from "./flag-values.js";

/** Batches each of dlrm's DataLoader workers loads ahead (torch's default prefetch_factor). */
const PREFETCH_FACTOR = 2;

/** Adds --num-workers to `cmd`. */
export function addNumWorkersOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--num-workers <n>",
      "dataset: 0 assembles training batches on the main thread; n > 0 in a worker thread, 2n batches ahead (dlrm: n DataLoader processes)",
    )
      .argParser(intArg)
      .default(0),
  );
}

/**
 * `dataset` with --num-workers applied when it was given: the assembly thread and the
 * batches read ahead. A conflicting --data-prefetch-thread is a usage error; with random
 * data (no dataset) a note says the flag has no effect.
 */
export function applyNumWorkers(
  cmd: Command,
  dataset: DatasetSetup | undefined,
  notes: string[],
): DatasetSetup | undefined {
  if (cmd.getOptionValueSource("numWorkers") !== "cli") return dataset;
  const n = cmd.opts<{ numWorkers: number }>().numWorkers;
  if (n < 0) throw new UsageError("--num-workers", `expected a non-negative integer, got ${n}`);
  if (dataset === undefined) {
    notes.push("--num-workers has no effect on random data: its batches are made on the main thread");
    return dataset;
  }
  const thread = n > 0 ? "worker" : "main";
  if (cmd.getOptionValueSource("dataPrefetchThread") === "cli" && dataset.prefetchThread !== thread)
    throw new UsageError(
      "--num-workers",
      `${n} assembles batches ${n > 0 ? "in a worker thread" : "on the main thread"}, but --data-prefetch-thread ${dataset.prefetchThread} was given`,
    );
  return { ...dataset, prefetchThread: thread, ...(n > 0 ? { prefetch: PREFETCH_FACTOR * n } : {}) };
}
