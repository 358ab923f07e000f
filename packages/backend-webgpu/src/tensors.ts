/**
 * The tensor registry and argument checks: each tensor owns one GPUBuffer (usage storage,
 * copy source and destination, padded to 16 bytes so vec4 views bind). Every op looks its
 * tensors up here first: a freed or foreign tensor, a wrong dtype or too few elements throws
 * naming the op and the argument, before anything is recorded.
 */
import { TensorTable, type DType, type Tensor } from "@dlrm/core";

export { checkDim as dim, checkFinite as finite } from "@dlrm/core";

/** A live tensor and its buffer. */
export interface Entry {
  readonly tensor: Tensor;
  readonly buffer: GPUBuffer;
  readonly label: string;
}

/** A buffer as the bind-group cache sees it: the buffer plus a stable id. */
export interface Bound {
  readonly id: number;
  readonly buffer: GPUBuffer;
}

/** Bytes of the buffer backing `size` elements: at least 16, a multiple of 16. */
export function bufferBytes(size: number): number {
  return Math.max(16, Math.ceil((size * 4) / 16) * 16);
}

/** Tensor handles with their GPU buffers. */
export class TensorRegistry extends TensorTable<Entry> {
  constructor() {
    super("webgpu");
  }

  /** Registers a fresh tensor backed by `buffer`. */
  register(shape: readonly number[], dtype: DType, buffer: GPUBuffer, label: string): Tensor {
    return this.add(shape, dtype, (tensor) => ({ tensor, buffer, label }));
  }

  /** A live tensor of `dtype` with at least `need` elements, as a bindable buffer. */
  bind(t: Tensor | undefined, op: string, arg: string, dtype: DType, need: number): Bound {
    const entry = this.checked(t, op, arg, dtype, need);
    return { id: entry.tensor.id, buffer: entry.buffer };
  }
}

/** Checks that `list` is an array of `n` tensors. */
export function tensorList(op: string, name: string, list: readonly Tensor[] | undefined, n?: number): readonly Tensor[] {
  if (!Array.isArray(list)) throw new TypeError(`${op}: argument '${name}' must be an array of tensors`);
  if (n !== undefined && list.length !== n) throw new RangeError(`${op}: argument '${name}' has ${list.length} tensors, numTables is ${n}`);
  return list;
}
