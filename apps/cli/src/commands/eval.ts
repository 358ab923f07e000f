/**
 * `dlrm eval --inference-only`: weights from --load-model, the test or validation split of
 * a processed Criteo directory, forward only: loss, accuracy, exact ROC AUC, log loss.
 * Takes `dlrm train`'s flags (shared/train-options.ts); --processed-data-file and
 * --load-model are required.
 */
import { Command, Option } from "commander";
import type { SplitName } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { datasetFromOptions, type DatasetSetup } from "../shared/dataset-flags.js";
import { evaluationLine, reachesThresholds } from "../shared/evaluation.js";
import { deepFreeze } from "../shared/freeze.js";
import { processedInput, scoreSavedModel } from "../shared/inference-run.js";
import { checkQuantizedInference } from "../shared/quantize-flags.js";
import { defineTrainOptions, optionsToSetup, type TrainSetup } from "../shared/train-options.js";
import { checkNamedPaths } from "../shared/path-checks.js";

/** A resolved `dlrm eval` command line (frozen). */
interface EvalSetup {
  setup: TrainSetup;
  dataset: DatasetSetup;
  weights: string;
  split: SplitName;
}

/** Parses and checks every flag of `dlrm eval` once. Throws UsageError or ConfigError. */
function resolveEval(cmd: Command): Readonly<EvalSetup> {
  const setup = optionsToSetup(cmd);
  const dataset = datasetFromOptions(cmd, setup.config);
  if (dataset === undefined) throw new UsageError("--processed-data-file", "is required by dlrm eval");
  if (setup.config.model.bottomMlp[0] !== 13)
    throw new UsageError("--arch-mlp-bot", "the first width must be 13 (Criteo's dense features)");
  const weights = setup.cli.loadModel;
  if (weights === undefined) throw new UsageError("--load-model", "is required by dlrm eval (the weights to evaluate)");
  return deepFreeze({ setup, dataset, weights, split: cmd.opts<{ split: SplitName }>().split });
}

/** Registers `dlrm eval`. */
export function registerEval(program: Command): void {
  defineTrainOptions(
    program
      .command("eval")
      .description(
        "Evaluate saved weights (--load-model) on the test or validation split of a processed Criteo directory: loss, accuracy, exact ROC AUC, log loss.",
      ),
  )
    .addOption(
      new Option("--inference-only [bool]", "forward only, no training (always so for dlrm eval)").default(true),
    )
    .addOption(
      new Option("--split <name>", "which part of the last day: test (first half), val (second half), or all rows")
        .choices(["test", "val", "all"])
        .default("test"),
    )
    .action(async (_o: unknown, cmd: Command) => {
      checkNamedPaths(cmd);
      const { setup, dataset: d, weights, split } = resolveEval(cmd);
      const quantize = setup.cli.quantize;
      if (quantize !== undefined) checkQuantizedInference(quantize, setup);
      const input = await processedInput(setup, d, split);
      try {
        const r = await scoreSavedModel(setup.cli.backend, weights, input, (l) => process.stdout.write(`${l}\n`), {
          quantize,
        });
        process.stdout.write(`${evaluationLine(split, r)}\n`);
        if (reachesThresholds(d, r)) process.stdout.write("MLPerf threshold reached\n");
      } finally {
        await input.close();
      }
    });
}
