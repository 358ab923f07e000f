/**
 * The tensor registry and argument checks: every op looks its tensors up here before a
 * kernel runs. A freed or foreign tensor throws naming the op and the argument; dtypes
 * and element counts are checked against what the kernel will touch, so no kernel can
 * read or write outside its tensors whatever dims are passed.
 */
import type { DType, Tensor } from "@dlrm/core";

/** A live tensor: its handle and where its bytes are. */
export interface Entry {
  readonly tensor: Tensor;
  readonly offset: number;
}

/** Largest dim a kernel accepts: i32 arithmetic on element counts must not overflow. */
const MAX_DIM = 0x7fffffff;

export class Registry {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;

  /** Registers a fresh tensor at `offset`. */
  add(shape: readonly number[], dtype: DType, offset: number): Tensor {
    const size = shape.reduce((p, d) => p * d, 1);
    const tensor: Tensor = Object.freeze({ id: this.nextId++, shape: Object.freeze([...shape]), size, dtype });
    this.entries.set(tensor.id, { tensor, offset });
    return tensor;
  }

  /** Removes `t`, returning its entry; throws when it is not live. */
  remove(t: Tensor, op: string, arg: string): Entry {
    const entry = this.get(t, op, arg);
    this.entries.delete(t.id);
    return entry;
  }

  /** Every live entry (for dispose). */
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
      throw new Error(`${op}: argument '${arg}' (tensor ${t.id}) was freed or does not belong to this wasm backend`);
    }
    return entry;
  }

  /**
   * Offset of a live tensor of dtype `dtype` holding at least `need` elements.
   * Throws naming `op` and `arg` when it is freed, of another dtype, or too small.
   */
  offset(t: Tensor | undefined, op: string, arg: string, dtype: DType, need: number): number {
    const entry = this.get(t, op, arg);
    if (entry.tensor.dtype !== dtype) throw new TypeError(`${op}: argument '${arg}' must be ${dtype}, got ${entry.tensor.dtype}`);
    if (entry.tensor.size < need) {
      throw new RangeError(`${op}: argument '${arg}' has ${entry.tensor.size} elements but the op needs ${need}`);
    }
    return entry.offset;
  }
}

/** Checks that `value` is an integer in [min, 2^31): dims and counts handed to kernels. */
export function dim(op: string, name: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > MAX_DIM) {
    throw new RangeError(`${op}: '${name}' must be an integer in [${min}, 2^31), got ${value}`);
  }
  return value;
}

/** Checks that `value` is a finite number (learning rates, eps, alpha, beta, threshold). */
export function finite(op: string, name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${op}: '${name}' must be a finite number, got ${value}`);
  return value;
}

/** Element count of a product of dims, checked against the 4 GiB memory (2^30 f32). */
export function count(op: string, ...dims: number[]): number {
  const n = dims.reduce((p, d) => p * d, 1);
  if (n > 2 ** 30) throw new RangeError(`${op}: ${dims.join(" x ")} = ${n} elements cannot fit in 4 GiB of linear memory`);
  return n;
}
