/**
 * Opening a processed Criteo dataset for a run, as `dlrm train --processed-data-file` and
 * `dlrm eval` do: build or check the processed directory (rank 0 first when several
 * ranks), take the table sizes from it, and open the sources. Multi-hot bags are stored
 * in the directory once and read from it ("stored"), or expanded per batch ("expanded").
 * The command's resolved configuration is never changed: the run's configuration is a new,
 * frozen one.
 */
import { statSync } from "node:fs";
import {
  withMultiHot,
  createCriteoDatasetSource,
  evaluate,
  ProcessedDataset,
  validateConfig,
  type BatchSource,
  type Communicator,
  type DlrmModel,
  type EvaluationResult,
  type MultiHotDistribution,
  type TrainConfig,
} from "@dlrm/core";
import { rankZeroFirst } from "../distributed/rank-zero-first.js";
import type { DatasetSetup } from "./dataset-flags.js";
import { evaluationLine, reachesThresholds } from "./evaluation.js";
import { deepFreeze } from "./freeze.js";
import { ensureProcessed, preprocessSummaryLine } from "./processed-data.js";
import type { MultiHotBags } from "./multi-hot-bags-flags.js";

/**
 * `config` with the processed data's table sizes (and, when given, another batch size),
 * checked by validateConfig and frozen. Throws ConfigError when they do not fit.
 */
export function configForTables(
  config: Readonly<TrainConfig>,
  tableRows: readonly number[],
  batchSize = config.batchSize,
): Readonly<TrainConfig> {
  const out: TrainConfig = { ...config, batchSize, model: { ...config.model, tableRows: [...tableRows] } };
  validateConfig(out);
  return deepFreeze(out);
}

/** The dataset side of a training run. */
export interface DatasetRun {
  /** The run's configuration: the command's, with the table sizes of the processed data. */
  config: Readonly<TrainConfig>;
  /** The processed directory, when the run reads one (not with --mlperf-bin-loader). */
  dataset?: ProcessedDataset;
  train: BatchSource;
  /** The split evaluated during and after training, in batches of the model's size. */
  test: BatchSource;
  /** Evaluates the model on the test split and returns the printed line (`digits`: --print-precision). */
  evaluateTest(
    model: DlrmModel,
    step?: number,
    digits?: number,
  ): Promise<{ line: string; result: EvaluationResult; stop: boolean }>;
  /** Closes the files the run reads. */
  close(): Promise<void>;
}

/**
 * Preprocesses when needed, sizes the tables from the processed data and opens the
 * training and test sources; `write` receives the preprocessing summary line. The training
 * batches have `trainBatchSize` samples (the mini-batch of an accumulated step), the test
 * ones the model's batch.
 */
export async function openDatasetRun(
  setupConfig: Readonly<TrainConfig>,
  d: Readonly<DatasetSetup>,
  write: (line: string) => void,
  comm?: Communicator,
  multiHotSizes?: readonly number[],
  multiHotDistribution: MultiHotDistribution = "uniform",
  multiHotBags: MultiHotBags = "stored",
  trainBatchSize = setupConfig.batchSize,
): Promise<DatasetRun> {
  const store = multiHotSizes !== undefined && multiHotBags === "stored";
  const multiHot = store ? { sizes: multiHotSizes, distribution: multiHotDistribution } : undefined;
  // Several ranks: rank 0 builds (or checks) the processed directory once, the others wait
  // and then only open it.
  const pre = await rankZeroFirst(comm, d.processedDir, () => ensureProcessed(d, undefined, multiHot));
  write(
    preprocessSummaryLine(
      pre,
      d.rawFiles.reduce((a, f) => a + statSync(f).size, 0),
    ),
  );
  const config = configForTables(setupConfig, pre.summary.tableRows);
  const dataset = ProcessedDataset.open(d.processedDir);
  const hot = (s: BatchSource): BatchSource =>
    multiHotSizes === undefined || store
      ? s
      : withMultiHot(s, multiHotSizes, config.model.tableRows, 0, multiHotDistribution);
  const train = hot(
    createCriteoDatasetSource(dataset, {
      split: "train",
      batchSize: trainBatchSize,
      randomize: d.randomize,
      seed: d.seed,
      numBatches: config.numBatches,
      memoryMap: d.memoryMap,
      prefetchThread: d.prefetchThread,
      storedMultiHot: store,
      ...(d.prefetch === undefined ? {} : { prefetch: d.prefetch }),
    }),
  );
  const test = hot(
    createCriteoDatasetSource(dataset, {
      split: "test",
      batchSize: config.batchSize,
      keepPartial: true,
      memoryMap: d.memoryMap,
      prefetchThread: d.prefetchThread,
      storedMultiHot: store,
    }),
  );
  return {
    config,
    dataset,
    train,
    test,
    close: () => dataset.close(),
    async evaluateTest(model, step, digits) {
      const result = await evaluate(model, test);
      return { line: evaluationLine("test", result, step, digits), result, stop: reachesThresholds(d, result) };
    },
  };
}
