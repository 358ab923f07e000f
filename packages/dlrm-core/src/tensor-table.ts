/**
 * The handle table every backend keeps: fresh frozen `Tensor` handles (ids of its own, or
 * the native engine's), and the lookup that is every backend's tensor resolver for
 * `validateOp`: it throws naming the op and the argument for a missing, non-Tensor, freed or
 * foreign tensor. Backends store their own per-tensor data (an offset, a GPU buffer) beside
 * the handle.
 */
import type { DType, Tensor } from "./backend.js";
import { describe, isTensor } from "./ops-spec/check.js";

/** A live tensor and what its backend keeps with it. */
export interface TensorEntry {
  readonly tensor: Tensor;
}

export class TensorTable<E extends TensorEntry> {
  private readonly entries = new Map<number, E>();
  private nextId = 1;

  /** A fresh handle of `shape` and `dtype` (id `id` when the backend assigns them); `entry` builds the stored entry. */
  add(shape: readonly number[], dtype: DType, entry: (tensor: Tensor) => E, id = this.nextId++): Tensor {
    const size = shape.reduce((p, d) => p * d, 1);
    const tensor: Tensor = Object.freeze({ id, shape: Object.freeze([...shape]), size, dtype });
    this.entries.set(tensor.id, entry(tensor));
    return tensor;
  }

  /** The entry of a live tensor of this backend; throws naming `op` and `arg` otherwise. */
  get(t: Tensor | undefined, op: string, arg: string): E {
    if (t === undefined || t === null) throw new TypeError(`${op}: argument "${arg}" is missing`);
    if (!isTensor(t)) throw new TypeError(`${op}: argument "${arg}" must be a Tensor, got ${describe(t)}`);
    const entry = this.entries.get(t.id);
    if (entry === undefined)
      throw new Error(`${op}: argument "${arg}" (tensor #${t.id}) was freed or never allocated here`);
    if (entry.tensor !== t) throw new Error(`${op}: argument "${arg}" (tensor #${t.id}) belongs to another backend`);
    return entry;
  }

  /** The resolver `validateOp` takes: this table's `get`. */
  readonly resolve = (t: Tensor | undefined, op: string, arg: string): E => this.get(t, op, arg);

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
