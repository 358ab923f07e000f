/**
 * The argument checker every op spec is written with, and the error-class rule of the
 * contract: TypeError for a value of the wrong kind (missing, not a Tensor, wrong dtype, not a
 * number or boolean, an unknown choice, not an array); RangeError for a value of the right kind
 * out of range (a dimension, a too-small tensor, a non-finite number, a list of the wrong length);
 * Error for a lifecycle fault (a freed or foreign tensor, a disposed backend). Every message
 * starts `<op>: argument "<name>"`.
 */
import type { DType, Tensor } from "../backend.js";

/**
 * Maps a Tensor argument to the backend's own record, throwing (through `TensorTable.get`) for a
 * missing, freed or foreign tensor. validateOp calls it for every tensor argument.
 */
export type TensorResolver = (t: Tensor | undefined, op: string, arg: string) => unknown;

/** A value as a message shows it: strings quoted, everything else as String(). */
export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object" && v !== null) return "an object";
  return String(v);
}

/** Whether `v` looks like a Tensor handle (an object with a numeric id, a shape, a size and a dtype). */
export function isTensor(v: unknown): v is Tensor {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as Tensor).id === "number" &&
    typeof (v as Tensor).size === "number" &&
    "dtype" in v
  );
}

/** The disposed-backend error every backend throws from every call after `dispose()`. */
export function disposedError(op: string, backend: string): Error {
  return new Error(`${op}: the ${backend} backend has been disposed`);
}

/** Largest dimension or count handed to a kernel (i32). */
const MAX_DIM = 0x7fffffff;

/** Checks one op's named arguments; each method throws the contract's error naming the op and argument. */
export class ArgCheck {
  private readonly a: Record<string, unknown>;

  constructor(
    readonly op: string,
    args: unknown,
    private readonly resolve: TensorResolver,
  ) {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      throw new TypeError(`${op}: the argument must be an object of named arguments, got ${describe(args)}`);
    }
    this.a = args as Record<string, unknown>;
  }

  private name(n: string): string {
    return `${this.op}: argument "${n}"`;
  }

  /** The raw value of argument `n`. */
  get(n: string): unknown {
    return this.a[n];
  }

  /** An integer in [min, 2^31): dims and counts. */
  dim(n: string, min = 0): number {
    const v = this.a[n];
    if (typeof v !== "number") throw new TypeError(`${this.name(n)} must be a number, got ${describe(v)}`);
    if (!Number.isInteger(v) || v < min || v > MAX_DIM)
      throw new RangeError(`${this.name(n)} must be an integer in [${min}, 2^31), got ${v}`);
    return v;
  }

  /** Several dims (each an integer in [0, 2^31)), in order. */
  dims(...names: string[]): number[] {
    return names.map((n) => this.dim(n));
  }

  /** Several finite numbers. */
  finites(...names: string[]): void {
    for (const n of names) this.finite(n);
  }

  /** Several booleans. */
  flags(...names: string[]): void {
    for (const n of names) this.flag(n);
  }

  /** f32 tensors by name, each holding at least the given number of elements, in order. */
  f32(needs: Record<string, number>): void {
    for (const [n, need] of Object.entries(needs)) this.tensor(n, "f32", need);
  }

  /** A finite number: learning rates, eps, alpha, beta. */
  finite(n: string): number {
    const v = this.a[n];
    if (typeof v !== "number") throw new TypeError(`${this.name(n)} must be a number, got ${describe(v)}`);
    if (!Number.isFinite(v)) throw new RangeError(`${this.name(n)} must be a finite number, got ${v}`);
    return v;
  }

  /** A number in [lo, hi). */
  within(n: string, lo: number, hi: number): number {
    const v = this.a[n];
    if (typeof v !== "number") throw new TypeError(`${this.name(n)} must be a number, got ${describe(v)}`);
    if (!(v >= lo && v < hi)) throw new RangeError(`${this.name(n)} must be in [${lo}, ${hi}), got ${v}`);
    return v;
  }

  /** A boolean. */
  flag(n: string): boolean {
    const v = this.a[n];
    if (typeof v !== "boolean") throw new TypeError(`${this.name(n)} must be a boolean, got ${describe(v)}`);
    return v;
  }

  /** One of `choices`; `fallback` when the argument is absent and one is given. */
  choice<C extends string>(n: string, choices: readonly C[], fallback?: C): C {
    const v = this.a[n];
    if (v === undefined && fallback !== undefined) return fallback;
    if (!(choices as readonly unknown[]).includes(v)) {
      throw new TypeError(
        `${this.name(n)} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${describe(v)}`,
      );
    }
    return v as C;
  }

  /** The optional `precision`: "fp32" (default) or "bf16". */
  precision(): "fp32" | "bf16" {
    return this.choice("precision", ["fp32", "bf16"], "fp32");
  }

  /**
   * A live tensor of this backend of `dtype` (any dtype when undefined) holding at least `need`
   * elements. `value` defaults to the argument named `n` (a list element or sparse field passes it).
   */
  tensor(n: string, dtype: DType | undefined, need: number, value: unknown = this.a[n]): Tensor {
    if (value === undefined || value === null) throw new TypeError(`${this.name(n)} is missing`);
    if (!isTensor(value)) throw new TypeError(`${this.name(n)} must be a Tensor, got ${describe(value)}`);
    this.resolve(value, this.op, n);
    if (dtype !== undefined && value.dtype !== dtype)
      throw new TypeError(`${this.name(n)} must be ${dtype}, got ${value.dtype}`);
    if (value.size < need) throw new RangeError(`${this.name(n)} has ${value.size} elements, needs at least ${need}`);
    return value;
  }

  /** An array of tensors (not yet checked one by one), of length `count` when given. */
  list(n: string, count?: number, what = "numTables"): readonly unknown[] {
    const v = this.a[n];
    if (!Array.isArray(v)) throw new TypeError(`${this.name(n)} must be an array of tensors, got ${describe(v)}`);
    if (count !== undefined && v.length !== count)
      throw new RangeError(`${this.name(n)} has ${v.length} tensors, ${what} is ${count}`);
    return v;
  }

  /** Embedding tables `n` (f32, rows x dim each, count tensors when given); returns their row counts. */
  tables(n: string, dim: number, count?: number): number[] {
    return this.list(n, count).map((t, i) => {
      const table = this.tensor(`${n}[${i}]`, "f32", 0, t);
      if (table.size % dim !== 0)
        throw new RangeError(`${this.name(`${n}[${i}]`)} has ${table.size} elements, not a multiple of dim ${dim}`);
      return table.size / dim;
    });
  }

  /** A field of the `sparse` argument: an i32 tensor of at least `need` elements. */
  sparse(field: string, need: number): Tensor {
    const s = this.a.sparse;
    if (s === undefined || s === null) throw new TypeError(`${this.name("sparse")} is missing`);
    if (typeof s !== "object" || Array.isArray(s))
      throw new TypeError(`${this.name("sparse")} must be an object of tensors, got ${describe(s)}`);
    return this.tensor(`sparse.${field}`, "i32", need, (s as Record<string, unknown>)[field]);
  }
}
