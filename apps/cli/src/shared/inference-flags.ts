/**
 * `dlrm train --inference-only` (dlrm_s_pytorch.py's flag): evaluate the --load-model
 * weights without training. Its own file so that train-options.ts, shared with `dlrm eval`
 * (which always evaluates) and `dlrm predict`, stays unchanged.
 */
import { Option, type Command } from "commander";
import { boolArg } from "./flag-values.js";

/** Adds --inference-only [bool] (no value = true) to `cmd`. */
export function addInferenceOnlyOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option("--inference-only [bool]", "evaluate --load-model forward only: no training, weights unchanged")
      .argParser(boolArg)
      .default(false),
  );
}

/** Whether --inference-only was given (true / no value). */
export function inferenceOnlyFromOptions(cmd: Command): boolean {
  return cmd.opts<{ inferenceOnly: boolean }>().inferenceOnly === true;
}
