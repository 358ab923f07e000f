/**
 * The handle table every backend keeps: fresh frozen `Tensor` handles, lookup that throws
 * naming the op and the argument for a missing, freed or foreign tensor, and the dtype and
 * element-count checks that keep a kernel inside its tensors whatever dims are passed.
 * Backends store their own per-tensor data (an offset, a GPU buffer) beside the handle;
 * `checkDim` and `checkFinite` are the scalar-argument checks they share.
 */
import type { DType, Tensor } from "./backend.js";

/** A live tensor and what its backend keeps with it. */
export interface TensorEntry {
  readonly tensor: Tensor;
}

export class TensorTable<E extends TensorEntry> {
  private readonly entries = new Map<number, E>();
  private nextId = 1;

  /** @param backendName named in the "does not belong to this backend" message. */
  constructor(private readonly backendName: string) {}

  /** A fresh handle of `shape` and `dtype`; `entry` builds the stored entry around it. */
  add(shape: readonly number[], dtype: DType, entry: (tensor: Tensor) => E): Tensor {
    const size = shape.reduce((p, d) => p * d, 1);
    const tensor: Tensor = Object.freeze({ id: this.nextId++, shape: Object.freeze([...shape]), size, dtype });
    this.entries.set(tensor.id, entry(tensor));
    return tensor;
  }

  /** The entry of a live tensor of this backend; throws naming `op` and `arg` otherwise. */
  get(t: Tensor | undefined, op: string, arg: string): E {
    if (t === undefined || t === null || typeof t !== "object") throw new TypeError(`${op}: argument '${arg}' is missing`);
    const entry = this.entries.get(t.id);
    if (entry === undefined || entry.tensor !== t) {
      throw new Error(`${op}: argument '${arg}' (tensor ${t.id}) was freed or does not belong to this ${this.backendName} backend`);
    }
    return entry;
  }

  /**
   * The entry of a live tensor of `dtype` holding at least `need` elements; throws naming
   * `op` and `arg` when it is freed, of another dtype, or too small.
   */
  checked(t: Tensor | undefined, op: string, arg: string, dtype: DType, need: number): E {
    const entry = this.get(t, op, arg);
    if (entry.tensor.dtype !== dtype) throw new TypeError(`${op}: argument '${arg}' must be ${dtype}, got ${entry.tensor.dtype}`);
    if (entry.tensor.size < need) throw new RangeError(`${op}: argument '${arg}' has ${entry.tensor.size} elements but the op needs ${need}`);
    return entry;
  }

  /** Removes `t` and returns its entry; throws when it is not live. */
  remove(t: Tensor, op: string, arg = "t"): E {
    const entry = this.get(t, op, arg);
    this.entries.delete(t.id);
    return entry;
  }

  /** Every live entry (for dispose). */
  all(): IterableIterator<E> {
    return this.entries.values();
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Checks that `value` is an integer in [min, 2^31): dims and counts handed to kernels. */
export function checkDim(op: string, name: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw new RangeError(`${op}: '${name}' must be an integer in [${min}, 2^31), got ${value}`);
  }
  return value;
}

/** Checks that `value` is a finite number (learning rates, eps, alpha, beta, threshold). */
export function checkFinite(op: string, name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${op}: '${name}' must be a finite number, got ${value}`);
  return value;
}
