/**
 * The contract's argument rules in one place: `validateOp(op, args, resolve)` runs the spec of
 * `op` (one file per op family: dense, interaction, loss, optimizers, sparse, memory) before a
 * backend dispatches it, with the backend's `resolve` mapping each Tensor to its own record.
 * Data rules of the sparse batch (what the tensors hold) are in sparse-faults.ts.
 */
import type { FusedOpName, RequiredOpName } from "../backend.js";
import { ArgCheck, type TensorResolver } from "./check.js";
import { denseSpecs } from "./dense.js";
import { interactionSpecs } from "./interaction.js";
import { lossSpecs } from "./loss.js";
import { memorySpecs } from "./memory.js";
import { optimizerSpecs } from "./optimizers.js";
import { sparseSpecs } from "./sparse.js";

export * from "./check.js";
export { interactionOutWidth } from "./interaction.js";
export { meanOver } from "./loss.js";
export { checkAlloc, checkWrite } from "./memory.js";
export * from "./sparse-faults.js";

/** Every op's spec, by name (the contract's ops plus the backends' bf16 rounding test hook). */
export const OP_SPECS = {
  ...denseSpecs,
  ...interactionSpecs,
  ...lossSpecs,
  ...optimizerSpecs,
  ...sparseSpecs,
  ...memorySpecs,
} satisfies Record<RequiredOpName | FusedOpName, (c: ArgCheck) => void> & Record<string, (c: ArgCheck) => void>;

/** An op with a spec. */
export type SpecifiedOp = keyof typeof OP_SPECS;

/**
 * Checks `args` of `op` against its spec; throws the contract's TypeError / RangeError / Error
 * (see check.ts) naming the op and the argument. `resolve` throws for a freed or foreign tensor.
 */
export function validateOp(op: SpecifiedOp, args: unknown, resolve: TensorResolver): void {
  OP_SPECS[op](new ArgCheck(op, args, resolve));
}
