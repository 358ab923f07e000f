/**
 * Forward-only scoring shared by `dlrm eval`, `dlrm predict` and `dlrm train --inference-only`:
 * the input (a split of a processed Criteo directory, or every row of a raw Criteo TSV file
 * hashed % --max-ind-range), and one run of saved weights over it on the chosen backend.
 * Weights are never updated: no optimizer exists on this path.
 */
import {
  backendLabel,
  createCriteoDatasetSource,
  DlrmModel,
  evaluate,
  ProcessedDataset,
  isOptimizerTensor,
  isTrainingCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  readSafetensors,
  streamCriteoScoringSource,
  writeSafetensors,
  type Backend,
  type BatchSource,
  type EvaluateOptions,
  type EvaluationResult,
  type SplitName,
  type TrainConfig,
} from "@dlrm/core";
import { openBackend } from "@dlrm/backends";
import { UsageError } from "../errors.js";
import type { DatasetSetup } from "./dataset-flags.js";
import { configForTables } from "./dataset-run.js";
import { ensureProcessed } from "./processed-data.js";
import { evaluationLine } from "./evaluation.js";
import { checkOnnxExportable, writeOnnx } from "./onnx-flags.js";
import type { QuantizeOptions } from "../quantize/quantized-dlrm.js";
import type { TrainSetup } from "./train-options.js";
import { scoreQuantized } from "./quantized-run.js";
import { checkQuantizedInference } from "./quantize-flags.js";

/** What is scored: the model configuration sized for it, the batches, and how to release them. */
export interface InferenceInput {
  config: TrainConfig;
  source: BatchSource;
  close(): Promise<void>;
}

/** A split of a processed directory (preprocessed first when needed); batches of --test-mini-batch-size. */
export async function processedInput(
  setup: Readonly<TrainSetup>,
  d: Readonly<DatasetSetup>,
  split: SplitName,
): Promise<InferenceInput> {
  const pre = await ensureProcessed(d);
  const config = configForTables(setup.config, pre.summary.tableRows, d.testMiniBatchSize);
  const dataset = ProcessedDataset.open(d.processedDir);
  const source = createCriteoDatasetSource(dataset, {
    split,
    batchSize: config.batchSize,
    keepPartial: true,
    memoryMap: d.memoryMap,
    prefetchThread: d.prefetchThread,
  });
  return { config, source, close: () => dataset.close() };
}

/** Every row of the --raw-data-file TSV (needs --data-generation dataset), streamed in batches of --mini-batch-size. */
export async function rawInput(setup: Readonly<TrainSetup>): Promise<InferenceInput> {
  const data = setup.data;
  if (data.kind !== "criteo-tsv")
    throw new UsageError("--raw-data-file", "is required (a Criteo TSV file) or give --processed-data-file");
  const config = setup.config;
  return {
    config,
    source: await streamCriteoScoringSource(data.path, config.batchSize, data.maxIndRange),
    close: () => Promise.resolve(),
  };
}

/** A model of `config` on backend `backendName` holding the weights of `weightsFile` (strictly checked). */
export async function openSavedModel(
  backendName: string,
  weightsFile: string,
  config: Readonly<TrainConfig>,
  maxIndicesPerBag: number,
): Promise<{ backend: Backend; model: DlrmModel }> {
  // A --save-model file also holds the optimizer state: only the model is read.
  const weights = readSafetensors(weightsFile, (name) => !isOptimizerTensor(name));
  const { backend } = await openBackend(backendName, { mode: config.mode });
  try {
    const model = new DlrmModel(backend, config, { batchSize: config.batchSize, maxIndicesPerBag });
    model.loadInitialWeights(weights, weightsFile);
    return { backend, model };
  } catch (e) {
    backend.dispose();
    throw e;
  }
}

/**
 * Loads `weightsFile` into a model of `input.config` on backend `backendName` and evaluates
 * it forward-only over `input.source`; `say` gets the one "Evaluating ..." line.
 */
export async function scoreSavedModel(
  backendName: string,
  weightsFile: string,
  input: InferenceInput,
  say: (line: string) => void,
  opts: EvaluateOptions & { saveModel?: string; quantize?: QuantizeOptions | undefined } = {},
): Promise<EvaluationResult> {
  const { config, source } = input;
  if (opts.quantize !== undefined) return scoreQuantized(weightsFile, input, opts.quantize, say, opts);
  const { backend, model } = await openSavedModel(backendName, weightsFile, config, source.maxIndicesPerBag);
  try {
    say(`Evaluating ${weightsFile} on ${source.description} (backend ${backendLabel(backend.info.name)})`);
    const r = await evaluate(model, source, opts);
    if (opts.saveModel !== undefined) {
      // A --save-model file keeps its optimizer and training state: unchanged, as the weights are.
      const after = await model.stateDict();
      if (isTrainingCheckpoint(weightsFile))
        saveCheckpoint(opts.saveModel, { ...loadCheckpoint(weightsFile), weights: after });
      else writeSafetensors(opts.saveModel, after);
    }
    return r;
  } finally {
    backend.dispose();
  }
}

/**
 * `dlrm train --inference-only --load-model FILE`: the test split (--processed-data-file) or
 * every --raw-data-file row, forward only, and dlrm's test metrics line; --save-model writes
 * the model's weights as they are after evaluating (unchanged: no optimizer step is taken),
 * --save-onnx the forward graph with them.
 */
export async function runInferenceOnly(setup: Readonly<TrainSetup>): Promise<void> {
  const weights = setup.cli.loadModel;
  if (weights === undefined) throw new UsageError("--inference-only", "needs --load-model (the weights to evaluate)");
  const say = (l: string): void => void process.stdout.write(`${l}\n`);
  const saveOnnx = setup.cli.saveOnnx;
  if (saveOnnx !== undefined) checkOnnxExportable("--save-onnx", setup.config, setup.cli.multiHotSizes);
  const quantize = setup.cli.quantize;
  if (quantize !== undefined) checkQuantizedInference(quantize, setup);
  const input =
    setup.dataset === undefined ? await rawInput(setup) : await processedInput(setup, setup.dataset, "test");
  try {
    const saveModel = setup.cli.saveModel;
    const r = await scoreSavedModel(setup.cli.backend, weights, input, say, {
      ...(saveModel === undefined ? {} : { saveModel }),
      quantize,
    });
    say(evaluationLine("test", r));
    if (saveModel !== undefined) say(`Saved the weights to ${saveModel}`);
    if (saveOnnx !== undefined) {
      writeOnnx(
        saveOnnx,
        readSafetensors(weights, (name) => !isOptimizerTensor(name)),
        input.config,
      );
      say(`Saved the ONNX model to ${saveOnnx}`);
    }
  } finally {
    await input.close();
  }
}
