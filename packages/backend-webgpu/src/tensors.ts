/**
 * The tensor registry and argument checks: each tensor owns one GPUBuffer (usage storage,
 * copy source and destination, padded to 16 bytes so vec4 views bind). Every op looks its
 * tensors up here first: a freed or foreign tensor, a wrong dtype or too few elements throws
 * naming the op and the argument, before anything is recorded.
 */
import type { DType, Tensor } from "@dlrm/core";

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

export class TensorRegistry {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;

  add(shape: readonly number[], dtype: DType, buffer: GPUBuffer, label: string): Tensor {
    const size = shape.reduce((p, d) => p * d, 1);
    const tensor: Tensor = Object.freeze({ id: this.nextId++, shape: Object.freeze([...shape]), size, dtype });
    this.entries.set(tensor.id, { tensor, buffer, label });
    return tensor;
  }

  remove(t: Tensor, op: string): Entry {
    const entry = this.get(t, op, "t");
    this.entries.delete(t.id);
    return entry;
  }

  all(): IterableIterator<Entry> {
    return this.entries.values();
  }

  clear(): void {
    this.entries.clear();
  }

  /** The entry of a live tensor of this backend; throws naming `op` and `arg` otherwise. */
  get(t: Tensor | undefined, op: string, arg: string): Entry {
    if (t === undefined || t === null || typeof t !== "object") throw new TypeError(`${op}: argument '${arg}' is missing`);
    const entry = this.entries.get(t.id);
    if (entry === undefined || entry.tensor !== t) {
      throw new Error(`${op}: argument '${arg}' (tensor ${t.id}) was freed or does not belong to this webgpu backend`);
    }
    return entry;
  }

  /** A live tensor of `dtype` with at least `need` elements, as a bindable buffer. */
  bind(t: Tensor | undefined, op: string, arg: string, dtype: DType, need: number): Bound {
    const entry = this.get(t, op, arg);
    if (entry.tensor.dtype !== dtype) throw new TypeError(`${op}: argument '${arg}' must be ${dtype}, got ${entry.tensor.dtype}`);
    if (entry.tensor.size < need) throw new RangeError(`${op}: argument '${arg}' has ${entry.tensor.size} elements but the op needs ${need}`);
    return { id: entry.tensor.id, buffer: entry.buffer };
  }
}

/** Checks that `value` is an integer in [min, 2^31): dims handed to kernels. */
export function dim(op: string, name: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw new RangeError(`${op}: '${name}' must be an integer in [${min}, 2^31), got ${value}`);
  }
  return value;
}

/** Checks that `value` is a finite number (learning rates, eps, alpha, beta, threshold). */
export function finite(op: string, name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${op}: '${name}' must be a finite number, got ${value}`);
  return value;
}

/** Checks that `list` is an array of `n` tensors. */
export function tensorList(op: string, name: string, list: readonly Tensor[] | undefined, n?: number): readonly Tensor[] {
  if (!Array.isArray(list)) throw new TypeError(`${op}: argument '${name}' must be an array of tensors`);
  if (n !== undefined && list.length !== n) throw new RangeError(`${op}: argument '${name}' has ${list.length} tensors, numTables is ${n}`);
  return list;
}
