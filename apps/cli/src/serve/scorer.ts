/**
 * What `dlrm serve` scores with: saved weights on a backend (float32, the op contract's
 * model), or quantized on the host (--quantize-emb-with-bit / --quantize-mlp-with-bit);
 * either evaluates a batch source forward-only and is released by `dispose`.
 */
import { backendLabel, evaluate, type BatchSource, type EvaluateOptions, type TrainConfig } from "@dlrm/core";
import { evaluateQuantized } from "../quantize/evaluate-quantized.js";
import type { QuantizeOptions } from "../quantize/quantized-dlrm.js";
import { openSavedModel } from "../shared/inference-run.js";
import { memoryLine, openQuantizedModel } from "../shared/quantized-run.js";

export interface Scorer {
  /** The weights file. */
  readonly file: string;
  /** One line on how it scores (the quantized tables' memory), or undefined on a backend. */
  readonly note: string | undefined;
  /** Where it scores: the backend's label, or "quantized on the host". */
  readonly where: string;
  evaluate(source: BatchSource, opts: EvaluateOptions): Promise<unknown>;
  dispose(): void;
}

/** Opens `file` for `config`, on `backendName` or quantized by `quantize`. */
export async function openScorer(
  file: string,
  backendName: string,
  config: Readonly<TrainConfig>,
  quantize: QuantizeOptions | undefined,
): Promise<Scorer> {
  if (quantize !== undefined) {
    const q = openQuantizedModel(file, config, quantize);
    return {
      file,
      note: memoryLine(q),
      where: "quantized on the host",
      evaluate: (source, opts) => evaluateQuantized(q, source, config.loss, opts),
      dispose: () => undefined,
    };
  }
  const { backend, model } = await openSavedModel(backendName, file, config, 1);
  return {
    file,
    note: undefined,
    where: `backend ${backendLabel(backend.info.name)}`,
    evaluate: (source, opts) => evaluate(model, source, opts),
    dispose: () => backend.dispose(),
  };
}
