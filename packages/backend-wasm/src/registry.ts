/**
 * The tensor registry and argument checks: every op looks its tensors up here before a
 * kernel runs. A freed or foreign tensor throws naming the op and the argument; dtypes
 * and element counts are checked against what the kernel will touch, so no kernel can
 * read or write outside its tensors whatever dims are passed.
 */
import { TensorTable, type DType, type Tensor } from "@dlrm/core";

export { checkDim as dim, checkFinite as finite } from "@dlrm/core";

/** A live tensor: its handle and where its bytes are. */
export interface Entry {
  readonly tensor: Tensor;
  readonly offset: number;
}

/** Tensor handles with their byte offsets in linear memory. */
export class Registry extends TensorTable<Entry> {
  constructor() {
    super("wasm");
  }

  /** Registers a fresh tensor at `offset`. */
  register(shape: readonly number[], dtype: DType, offset: number): Tensor {
    return this.add(shape, dtype, (tensor) => ({ tensor, offset }));
  }

  /**
   * Offset of a live tensor of dtype `dtype` holding at least `need` elements.
   * Throws naming `op` and `arg` when it is freed, of another dtype, or too small.
   */
  offset(t: Tensor | undefined, op: string, arg: string, dtype: DType, need: number): number {
    return this.checked(t, op, arg, dtype, need).offset;
  }
}

/** Element count of a product of dims, checked against the 4 GiB memory (2^30 f32). */
export function count(op: string, ...dims: number[]): number {
  const n = dims.reduce((p, d) => p * d, 1);
  if (n > 2 ** 30) throw new RangeError(`${op}: ${dims.join(" x ")} = ${n} elements cannot fit in 4 GiB of linear memory`);
  return n;
}
