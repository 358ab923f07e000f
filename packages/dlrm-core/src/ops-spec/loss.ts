/**
 * Argument rules of the loss (contract in backend.ts): batchSize B >= 0; loss "bce" or "mse";
 * threshold in [0, 0.5); logits, targets and the B-sized outputs >= B elements, stats >= 3;
 * lossBackward's optional meanOver M an integer >= 1 (one rank of several passes the global
 * batch, so its samples' gradient is their share of the global mean; accumulated mini-batches
 * pass the mini-batch size).
 */
import type { ArgCheck } from "./check.js";

/** M for lossBackward: `meanOver`, or batchSize when absent (validateOp has checked it). */
export function meanOver(value: number | undefined, batchSize: number): number {
  return value ?? batchSize;
}

function common(c: ArgCheck): number {
  const b = c.dim("batchSize");
  c.choice("loss", ["bce", "mse"]);
  c.within("threshold", 0, 0.5);
  c.f32({ logits: b, targets: b });
  return b;
}

export const lossSpecs = {
  /** probs >= B, stats >= 3. */
  lossForward(c: ArgCheck): void {
    c.f32({ probs: common(c), stats: 3 });
  },

  /** dLogits >= B; meanOver absent or a positive integer. */
  lossBackward(c: ArgCheck): void {
    const b = common(c);
    if (c.get("meanOver") !== undefined) c.dim("meanOver", 1);
    c.f32({ dLogits: b });
  },
};
