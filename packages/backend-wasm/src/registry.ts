/**
 * The tensor registry: core's TensorTable with each tensor's byte offset in linear memory.
 * Its `resolve` is the resolver every op's `validateOp` runs with (a freed or foreign tensor
 * throws naming the op and the argument); after validation the ops read offsets with `offset`.
 */
import { TensorTable, type DType, type Tensor } from "@dlrm/core";

/** A live tensor: its handle and where its bytes are. */
export interface Entry {
  readonly tensor: Tensor;
  readonly offset: number;
}

/** Tensor handles with their byte offsets in linear memory. */
export class Registry extends TensorTable<Entry> {
  /** Registers a fresh tensor at `offset`. */
  register(shape: readonly number[], dtype: DType, offset: number): Tensor {
    return this.add(shape, dtype, (tensor) => ({ tensor, offset }));
  }

  /** Byte offset of a tensor `validateOp` has checked. */
  offset(t: Tensor): number {
    return this.get(t, "", "").offset;
  }

  /** Byte offsets of several checked tensors, in order. */
  offsets<T extends Tensor[]>(...ts: T): { [K in keyof T]: number } {
    return ts.map((t) => this.offset(t)) as { [K in keyof T]: number };
  }
}
