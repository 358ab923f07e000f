/**
 * The run-control flags of dlrm_s_pytorch.py that `dlrm train` added last, registered and
 * parsed together: --print-wall-time and --print-precision (run-report-flags.ts) and
 * --mlperf-logging and --mlperf-grad-accum-iter (mlperf-flags.ts), --tensor-board-filename
 * (tensorboard-flags.ts), --num-workers (num-workers-flags.ts, applied to the dataset setup)
 * --data-trace-file / --data-trace-enable-padding (trace-flags.ts, read with random data) and
 * --mlperf-bin-loader / --mlperf-bin-shuffle (bin-loader.ts).
 */
import type { Command } from "commander";
import { addMlperfOptions, mlperfFromOptions, type MlperfFlags } from "./mlperf-flags.js";
import { addRunReportOptions, printStyleFromOptions, type PrintStyle } from "./run-report-flags.js";
import { addNumWorkersOptions } from "./num-workers-flags.js";
import { addTraceOptions } from "./trace-flags.js";
import { addBinLoaderOptions, binLoaderFromOptions, type BinLoaderFlags } from "./bin-loader.js";
import { addTensorBoardOptions, tensorBoardFromOptions, type TensorBoardFlags } from "./tensorboard-flags.js";

/** What these flags set for a run. */
export interface RunControlFlags extends PrintStyle, MlperfFlags, TensorBoardFlags, BinLoaderFlags {}

/** Adds the flags to `cmd`. */
export function addRunControlOptions(cmd: Command): Command {
  return addBinLoaderOptions(
    addTraceOptions(addNumWorkersOptions(addTensorBoardOptions(addMlperfOptions(addRunReportOptions(cmd))))),
  );
}

/** The flags' values, checked (a UsageError names a bad one). */
export function runControlFromOptions(cmd: Command): RunControlFlags {
  return {
    ...printStyleFromOptions(cmd),
    ...mlperfFromOptions(cmd),
    ...tensorBoardFromOptions(cmd),
    ...binLoaderFromOptions(cmd),
  };
}
