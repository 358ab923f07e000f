/**
 * The quantized scoring path that `dlrm predict`, `dlrm eval`, `dlrm serve` and `dlrm train
 * --inference-only` select with --quantize-emb-with-bit / --quantize-mlp-with-bit: saved
 * weights (model tensors only) quantized on the host into a QuantizedDlrm, one line saying
 * what was quantized and the memory the tables take, and a forward-only evaluation.
 */
import {
  isOptimizerTensor,
  readSafetensors,
  type EvaluateOptions,
  type EvaluationResult,
  type TrainConfig,
} from "@dlrm/core";
import { evaluateQuantized } from "../quantize/evaluate-quantized.js";
import { QuantizedDlrm, type QuantizeOptions } from "../quantize/quantized-dlrm.js";
import type { InferenceInput } from "./inference-run.js";

const MIB = 1024 * 1024;

/** "tables 8-bit row-wise (fp32 scale and bias), MLPs int8" and the like. */
export function quantizedLabel(q: QuantizeOptions): string {
  const tables =
    q.embBits === 32
      ? "tables float32"
      : `tables ${q.embBits}-bit row-wise (${q.embBits === 8 ? "float32" : "fp16"} scale and bias per row)`;
  return `${tables}, MLPs ${q.mlpBits === 8 ? "int8 (per-tensor weights, per-sample inputs)" : "float32"}`;
}

/** The memory line: the tables' bytes quantized and as float32. */
export function memoryLine(model: QuantizedDlrm): string {
  const m = model.memory();
  const ratio = m.fp32TableBytes / m.tableBytes;
  return `quantized tables: ${(m.tableBytes / MIB).toFixed(2)} MiB (float32: ${(m.fp32TableBytes / MIB).toFixed(2)} MiB, ${ratio.toFixed(2)}x smaller); MLP weights ${(m.mlpBytes / 1024).toFixed(1)} KiB (float32: ${(m.fp32MlpBytes / 1024).toFixed(1)} KiB)`;
}

/** `weightsFile`'s model tensors quantized for `config` (strictly checked). */
export function openQuantizedModel(
  weightsFile: string,
  config: Readonly<TrainConfig>,
  q: QuantizeOptions,
): QuantizedDlrm {
  const weights = readSafetensors(weightsFile, (name) => !isOptimizerTensor(name));
  return new QuantizedDlrm(config.model, weights, q, config.lossThreshold, weightsFile);
}

/** Quantizes `weightsFile` and evaluates it over `input`; `say` gets the "Evaluating ..." and memory lines. */
export async function scoreQuantized(
  weightsFile: string,
  input: InferenceInput,
  q: QuantizeOptions,
  say: (line: string) => void,
  opts: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const model = openQuantizedModel(weightsFile, input.config, q);
  say(`Evaluating ${weightsFile} on ${input.source.description} (quantized on the host: ${quantizedLabel(q)})`);
  say(memoryLine(model));
  return evaluateQuantized(model, input.source, input.config.loss, opts);
}
