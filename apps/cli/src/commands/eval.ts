/**
 * Evaluation on Criteo data: `dlrm eval --inference-only` (weights from --load-model, the
 * test or validation split, forward only: loss, accuracy, exact ROC AUC, log loss), and the
 * dataset side of `dlrm train --processed-data-file`: the training source, the test source
 * and the evaluation printed after training (and every --test-freq steps once the trainer
 * calls back with the model).
 */
import { statSync } from "node:fs";
import { Command, Option } from "commander";
import {
  backendLabel, type Communicator,
  createCriteoDatasetSource, DlrmModel, evaluate, ProcessedDataset, readSafetensors, validateConfig,
  type BatchSource, type EvaluationResult, type SplitName, type TrainConfig,
} from "@dlrm/core";
import { openBackend } from "@dlrm/backends";
import { UsageError } from "../errors.js";
import { rankZeroFirst } from "../distributed/rank-zero-first.js";
import { defineTrainOptions, optionsToSetup } from "../train-options.js";
import { datasetFromOptions, ensureProcessed, preprocessSummaryLine, type DatasetSetup } from "./preprocess.js";

/** dlrm-like one line for an evaluation. */
export function evaluationLine(split: string, r: EvaluationResult, step?: number): string {
  const at = step === undefined ? "" : ` at step ${step}`;
  return (
    `Testing${at} on ${split} (${r.samples} samples, ${r.batches} batches, ${r.seconds.toFixed(1)} s): ` +
    `loss ${r.loss.toFixed(6)}, accuracy ${(r.accuracy * 100).toFixed(3)} %, auc ${r.auc.toFixed(6)}, log loss ${r.logLoss.toFixed(6)}`
  );
}

/** Whether an evaluation reaches the --mlperf-*-threshold targets that are set. */
export function reachesThresholds(d: DatasetSetup, r: EvaluationResult): boolean {
  const auc = d.mlperfAucThreshold > 0 && r.auc >= d.mlperfAucThreshold;
  const acc = d.mlperfAccThreshold > 0 && r.accuracy >= d.mlperfAccThreshold;
  return auc || acc;
}

export interface DatasetRun {
  dataset: ProcessedDataset;
  train: BatchSource;
  /** The split evaluated during and after training, in batches of the model's size. */
  test: BatchSource;
  /** Evaluates the model on the test split and returns the printed line. */
  evaluateTest(model: DlrmModel, step?: number): Promise<{ line: string; result: EvaluationResult; stop: boolean }>;
}

/**
 * Preprocesses when needed, sizes the tables from the processed data and opens the sources.
 * Sets config.model.tableRows; `write` receives the preprocessing summary line.
 */
export async function openDatasetRun(config: TrainConfig, d: DatasetSetup, write: (line: string) => void, comm?: Communicator): Promise<DatasetRun> {
  if (config.model.bottomMlp[0] !== 13) throw new UsageError("--arch-mlp-bot", "the first width must be 13 (Criteo's dense features)");
  // Several ranks: rank 0 builds (or checks) the processed directory once, the others wait
  // and then only open it.
  const pre = await rankZeroFirst(comm, d.processedDir, () => ensureProcessed(d));
  write(preprocessSummaryLine(pre, d.rawFiles.reduce((a, f) => a + statSync(f).size, 0)));
  config.model.tableRows = [...pre.summary.tableRows];
  if (d.testMiniBatchSize !== config.batchSize) {
    write(`note: during training the test split is evaluated in batches of --mini-batch-size ${config.batchSize} (the model's buffers); metrics do not depend on it. --test-mini-batch-size ${d.testMiniBatchSize} applies to dlrm eval`);
  }
  if (d.testFreq === 0 && (d.mlperfAucThreshold > 0 || d.mlperfAccThreshold > 0)) {
    write("note: the --mlperf-*-threshold early stop is checked at --test-freq steps; with --test-freq 0 only after training");
  }
  validateConfig(config);
  const dataset = ProcessedDataset.open(d.processedDir);
  const train = createCriteoDatasetSource(dataset, {
    split: "train", batchSize: config.batchSize, randomize: d.randomize, seed: d.seed,
    numBatches: config.numBatches, memoryMap: d.memoryMap, prefetchThread: d.prefetchThread,
  });
  const test = createCriteoDatasetSource(dataset, { split: "test", batchSize: config.batchSize, keepPartial: true, memoryMap: d.memoryMap, prefetchThread: d.prefetchThread });
  return {
    dataset, train, test,
    async evaluateTest(model, step) {
      const result = await evaluate(model, test);
      return { line: evaluationLine("test", result, step), result, stop: reachesThresholds(d, result) };
    },
  };
}

/** Registers `dlrm eval`. */
export function registerEval(program: Command): void {
  defineTrainOptions(
    program.command("eval").description("Evaluate saved weights (--load-model) on the test or validation split of a processed Criteo directory: loss, accuracy, exact ROC AUC, log loss."),
  )
    .addOption(new Option("--inference-only [bool]", "forward only, no training (always so for dlrm eval)").default(true))
    .addOption(new Option("--split <name>", "which part of the last day: test (first half), val (second half), or all rows").choices(["test", "val", "all"]).default("test"))
    .action(async (_o: unknown, cmd: Command) => {
      const setup = optionsToSetup(cmd);
      const d = datasetFromOptions(cmd, setup.config);
      if (d === undefined) throw new UsageError("--processed-data-file", "is required by dlrm eval");
      if (setup.cli.loadModel === undefined) throw new UsageError("--load-model", "is required by dlrm eval (the weights to evaluate)");
      const config = { ...setup.config, batchSize: d.testMiniBatchSize };
      const pre = await ensureProcessed(d);
      config.model = { ...config.model, tableRows: [...pre.summary.tableRows] };
      validateConfig(config);
      const weights = readSafetensors(setup.cli.loadModel);
      const dataset = ProcessedDataset.open(d.processedDir);
      const split = cmd.opts<{ split: SplitName }>().split;
      const source = createCriteoDatasetSource(dataset, { split, batchSize: config.batchSize, keepPartial: true, memoryMap: d.memoryMap, prefetchThread: d.prefetchThread });
      const { backend } = await openBackend(setup.cli.backend, { mode: config.mode });
      try {
        const model = new DlrmModel(backend, config, { batchSize: config.batchSize, maxIndicesPerBag: 1 });
        model.loadInitialWeights(weights, setup.cli.loadModel);
        process.stdout.write(`Evaluating ${setup.cli.loadModel} on ${source.description} (backend ${backendLabel(backend.info.name)})\n`);
        const r = await evaluate(model, source);
        process.stdout.write(`${evaluationLine(split, r)}\n`);
        if (reachesThresholds(d, r)) process.stdout.write("MLPerf threshold reached\n");
      } finally {
        backend.dispose();
        await dataset.close();
      }
    });
}
