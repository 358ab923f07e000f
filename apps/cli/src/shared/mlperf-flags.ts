/**
 * dlrm's --mlperf-logging for `dlrm train`: MLPerf mllog lines on stdout (shared/mlperf-log.ts,
 * in the order of shared/mlperf-run-log.ts), on rank 0 only, as dlrm's mlperf_logger.
 */
import { Command, Option } from "commander";
import { boolArg } from "./flag-values.js";

/** The MLPerf part of a parsed command line. */
export interface MlperfFlags {
  /** Print MLPerf's mllog lines (`--mlperf-logging`). */
  mlperfLogging: boolean;
}

/** Adds --mlperf-logging to `cmd`. */
export function addMlperfOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--mlperf-logging [bool]",
      "print MLPerf's mllog lines (:::MLLOG {...}: init, run, epoch, eval and run_stop events) on stdout (a bare flag means True)",
    )
      .argParser(boolArg)
      .default(false),
  );
}

/** The MLPerf flags from the parsed command. */
export function mlperfFromOptions(cmd: Command): MlperfFlags {
  return { mlperfLogging: cmd.opts<{ mlperfLogging: boolean }>().mlperfLogging };
}
