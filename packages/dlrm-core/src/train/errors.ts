/**
 * What training throws when it must stop: a non-finite loss (naming the step and the first
 * poisoned table row or layer), a batch it cannot use, a parameter or accumulator holding
 * NaN/Inf at save time. Each message points at the last good checkpoint.
 */
import type { DlrmModel } from "../model/dlrm.js";

const pointAt = (checkpoint: string | undefined): string =>
  checkpoint ? `Last good checkpoint: ${checkpoint}` : "No checkpoint was written (use --checkpoint-every N).";

/**
 * Thrown when the loss stops being finite; names the step (or the print window that holds
 * it: use --print-freq 1 to pin it), the first parameter holding NaN/Inf, and the last good
 * checkpoint.
 */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    loss: number,
    readonly firstSuspectStep: number,
    readonly lastCheckpoint: string | undefined,
    readonly tensor: string | undefined,
    reason?: string,
    /** Where parameters were searched, when not the whole model (" on rank 0's part"). */
    scope?: string,
  ) {
    const window = firstSuspectStep < step ? `between steps ${firstSuspectStep} and ${step}` : `at step ${step}`;
    super(
      `${reason ?? `loss became ${loss}`} ${window} (epoch ${epoch}, batch ${step}); ` +
        (tensor ? `first non-finite parameter: ${tensor}. ` : `every parameter${scope ?? ""} is still finite. `) +
        `Stopping instead of training on garbage. ${pointAt(lastCheckpoint)}`,
    );
    this.name = "NonFiniteLossError";
  }
}

/** Thrown when a batch cannot be used (bad index, non-finite dense value); names step and batch. */
export class BatchError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly batch: number,
    cause: Error,
    readonly lastCheckpoint: string | undefined,
  ) {
    super(
      `step ${step} (epoch ${epoch}, batch ${batch}): ${cause.message}. Nothing was trained on it. ${pointAt(lastCheckpoint)}`,
    );
    this.name = "BatchError";
  }
}

/** Names the first parameter element that is NaN or Inf ("emb_l.3.weight row 17" or "top_l.2.weight"). */
export async function firstNonFinite(model: DlrmModel): Promise<string | undefined> {
  for (const [name, t] of model.namedParameters()) {
    const data = await model.backend.read(t);
    const i = data.findIndex((v) => !Number.isFinite(v));
    if (i < 0) continue;
    const cols = t.shape.length > 1 ? t.shape[1]! : 1;
    const layer = name.startsWith("emb_l.") ? `table ${name.split(".")[1]}, ${name}` : `layer ${name}`;
    return t.shape.length > 1
      ? `${layer} row ${Math.floor(i / cols)} (value ${data[i]})`
      : `${layer} element ${i} (value ${data[i]})`;
  }
  return undefined;
}

/** Thrown when a parameter or accumulator holds NaN or Inf; names the tensor and its row. */
export class NonFiniteTensorError extends Error {
  constructor(
    readonly step: number,
    readonly tensor: string,
    shape: readonly number[],
    flatIndex: number,
    value: number,
    readonly lastCheckpoint: string | undefined,
  ) {
    const cols = shape.length > 1 ? shape[shape.length - 1]! : 1;
    const where =
      shape.length > 1 ? `row ${Math.floor(flatIndex / cols)}, column ${flatIndex % cols}` : `element ${flatIndex}`;
    super(
      `${tensor} holds ${value} at ${where} after step ${step}; not saving it. ` +
        (lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint}` : "No earlier checkpoint exists."),
    );
    this.name = "NonFiniteTensorError";
  }
}
