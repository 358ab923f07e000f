/**
 * Argument rules of the memory calls and `fill` (contract in backend.ts). alloc: shape an
 * array of integers >= 0 whose product fits the backend (at most 2^31 - 1 elements), dtype
 * "f32" or "i32". write: data a Float32Array for an f32 tensor, an Int32Array for i32, offset
 * an integer with offset + data.length <= size. fill: value a number, an integer in the i32
 * range for an i32 tensor. Tensor lookups (freed, foreign) are the backend's resolver's.
 */
import type { DType, Tensor } from "../backend.js";
import { describe, type ArgCheck } from "./check.js";

/** Checks alloc's arguments; returns the element count. `maxElements` is the backend's limit. */
export function checkAlloc(
  shape: readonly number[],
  dtype: DType,
  label: string | undefined,
  maxElements = 2 ** 31 - 1,
): number {
  const op = `alloc(${label ?? "tensor"})`;
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: argument "shape" must be an array of dimensions, got ${describe(shape)}`);
  if (dtype !== "f32" && dtype !== "i32")
    throw new TypeError(`${op}: argument "dtype" must be one of "f32", "i32", got ${describe(dtype)}`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0)
      throw new RangeError(`${op}: argument "shape" holds ${describe(d)}, not an integer >= 0: [${shape.join(", ")}]`);
    size *= d;
  }
  if (size > maxElements)
    throw new RangeError(`${op}: ${size} elements do not fit this backend (at most ${maxElements})`);
  return size;
}

/** Checks write's data and offset against the (already resolved) tensor t. */
export function checkWrite(t: Tensor, data: unknown, offset: unknown): void {
  const want = t.dtype === "f32" ? Float32Array : Int32Array;
  if (!(data instanceof want)) {
    const got = typeof data === "object" && data !== null ? data.constructor.name : describe(data);
    throw new TypeError(`write: argument "data" must be a ${want.name} for ${t.dtype} tensor #${t.id}, got ${got}`);
  }
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || offset + data.length > t.size) {
    throw new RangeError(
      `write: ${data.length} elements at offset ${describe(offset)} do not fit tensor #${t.id} of ${t.size} elements`,
    );
  }
}

export const memorySpecs = {
  /** t any dtype; value a number, an integer in [-2^31, 2^31) for i32. */
  fill(c: ArgCheck): void {
    const t = c.tensor("t", undefined, 0);
    const v = c.get("value");
    if (typeof v !== "number") throw new TypeError(`fill: argument "value" must be a number, got ${describe(v)}`);
    if (t.dtype === "i32" && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
      throw new RangeError(`fill: argument "value" must be an integer in [-2^31, 2^31) for an i32 tensor, got ${v}`);
    }
  },
};
