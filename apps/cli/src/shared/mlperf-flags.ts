/**
 * dlrm's --mlperf-logging and --mlperf-grad-accum-iter for `dlrm train`: MLPerf mllog lines
 * on stdout (shared/mlperf-log.ts, in the order of shared/mlperf-run-log.ts), on rank 0 only;
 * and N mini-batches' gradients summed before each optimizer step (the run's configuration
 * and source for it: withGradAccum, accumulateBatches in @dlrm/core).
 */
import { Command, Option } from "commander";
import type { TrainConfig } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { boolArg, intArg } from "./flag-values.js";

/** The MLPerf part of a parsed command line. */
export interface MlperfFlags {
  /** Print MLPerf's mllog lines (`--mlperf-logging`). */
  mlperfLogging: boolean;
  /** Mini-batches whose gradients each optimizer step sums (`--mlperf-grad-accum-iter`; 1: none). */
  gradAccumIter: number;
}

/** Adds --mlperf-logging to `cmd`. */
export function addMlperfOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--mlperf-logging [bool]",
        "print MLPerf's mllog lines (:::MLLOG {...}: init, run, epoch, eval and run_stop events) on stdout (a bare flag means True)",
      )
        .argParser(boolArg)
        .default(false),
    )
    .addOption(
      new Option(
        "--mlperf-grad-accum-iter <n>",
        "sum the gradients of n consecutive mini-batches (each its mean loss, as dlrm) before one optimizer step; computed as one batch of n x --mini-batch-size; --num-batches counts mini-batches, --print-freq and --test-freq steps",
      )
        .argParser(intArg)
        .default(1),
    );
}

/** The MLPerf flags from the parsed command. */
export function mlperfFromOptions(cmd: Command): MlperfFlags {
  const o = cmd.opts<{ mlperfLogging: boolean; mlperfGradAccumIter: number }>();
  if (!(o.mlperfGradAccumIter >= 1))
    throw new UsageError("--mlperf-grad-accum-iter", `expected a positive integer, got ${o.mlperfGradAccumIter}`);
  return { mlperfLogging: o.mlperfLogging, gradAccumIter: o.mlperfGradAccumIter };
}

/** The configuration a step of `n` accumulated mini-batches of config.batchSize trains with (n = 1: `config`). */
export function withGradAccum(config: Readonly<TrainConfig>, n: number): Readonly<TrainConfig> {
  return n === 1 ? config : { ...config, batchSize: n * config.batchSize, gradAccumIter: n };
}

/** The start-up note of an accumulated run. */
export function gradAccumNote(config: Readonly<TrainConfig>, n: number): string {
  return `--mlperf-grad-accum-iter ${n}: each step sums the gradients of ${n} mini-batches of ${config.batchSize} (one batch of ${n * config.batchSize}; ${n}x the activation memory)`;
}
