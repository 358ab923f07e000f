/**
 * What a conformance case is, and the environment its setup runs in. A case allocates and
 * writes its inputs through the Backend API (seeded, so every backend sees the same data),
 * declares its outputs (overwritten ones are NaN-poisoned by the runner; updated ones are
 * written with their starting values) and returns the op call(s) to run. A run case (the
 * whole training step) drives the backend itself and returns its outputs.
 */
import {
  buildSparseBatch,
  type Backend,
  type DType,
  type FusedOpName,
  type HostSparseBatch,
  type Precision,
  type RequiredOpName,
  type SparseBatchTensors,
  type Tensor,
} from "@dlrm/core";
import { Rng } from "./rng.js";
import type { ShapeToleranceName } from "./tolerances.js";

/** Any op a case can cover. */
export type OpName = RequiredOpName | FusedOpName;

/** What a case can exercise: one op of the contract, or a whole training step (trainModel). */
export type CaseOp = OpName | "trainingStep";

/**
 * Where a case runs. "unit": the per-backend vitest suite and `dlrm conformance`; "medium":
 * the seed's Medium shapes (gemm 512 x 4096 x 4096, 38-index bags of D = 64), seconds per
 * call on a CPU: `dlrm conformance --medium`, and in `npm test` on gaudi only, against a
 * row-sampled reference for gemm (test/conformance/medium.test.ts).
 */
export type CaseScale = "unit" | "medium";

/** Fields every case has. */
interface CaseBase {
  /** Unique, prefixed with the op name: "gemm/nt 7x33x65 beta 0.75". */
  readonly name: string;
  /** The ops the case exercises; the coverage guard reads this. ops[0] picks the tolerance. */
  readonly ops: readonly CaseOp[];
  readonly precision: Precision;
  /** Seed of the case's Rng: the inputs are a pure function of it. */
  readonly seed: number;
  readonly scale: CaseScale;
  /** A shape-specific tolerance from tolerances.ts; default: the first op's. */
  readonly tolerance?: ShapeToleranceName;
}

/** A case of one op call (or a few): inputs through a CaseEnv, outputs NaN-poisoned by the runner. */
export interface OpCase extends CaseBase {
  /** Allocates inputs and outputs through env and returns the call(s) under test. */
  setup(env: CaseEnv): () => void;
}

/** A case that drives the backend itself (a whole training step) and returns its outputs by name. */
export interface RunCase extends CaseBase {
  run(backend: Backend): Promise<ReadonlyMap<string, Float32Array | Int32Array>>;
}

/** One executable conformance case. */
export type ConformanceCase = OpCase | RunCase;

/** The sparse tensors of a case plus what the host built. */
export interface CaseSparse {
  readonly tensors: SparseBatchTensors;
  readonly host: HostSparseBatch;
  /** Allocated capacity of the unique-row buffers (Umax >= U). */
  readonly uMax: number;
}

/** Values written into the unused tail of sparse buffers: they must never be read. */
const JUNK = [0x3fffffff, -7, 123456789, -2147483647, 5];

function withJunkTail(data: Int32Array, length: number): Int32Array {
  const out = new Int32Array(length);
  out.set(data);
  for (let i = data.length; i < length; i++) out[i] = JUNK[i % JUNK.length]!;
  return out;
}

/** Builds tensors for one case on one backend and remembers what to poison, compare and free. */
export class CaseEnv {
  readonly rng: Rng;
  /** Outputs the op overwrites: the runner fills them with NaN (f32) or junk (i32) before the call. */
  readonly poisoned: Tensor[] = [];
  /** Every output to compare, by name, in declaration order. */
  readonly compared = new Map<string, Tensor>();
  private readonly allocated: Tensor[] = [];

  constructor(
    readonly backend: Backend,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  private alloc(shape: readonly number[], dtype: DType, label: string): Tensor {
    const t = this.backend.alloc(shape, dtype, label);
    this.allocated.push(t);
    return t;
  }

  /** An f32 input holding `data`. */
  input(shape: readonly number[], data: ArrayLike<number>): Tensor {
    const t = this.alloc(shape, "f32", "input");
    this.backend.write(t, Float32Array.from(data));
    return t;
  }

  /** An f32 input of values uniform in [lo, hi). */
  random(shape: readonly number[], lo = -1, hi = 1): Tensor {
    return this.input(shape, this.rng.f32(prod(shape), lo, hi));
  }

  /** An i32 input holding `data`. */
  ints(shape: readonly number[], data: ArrayLike<number>): Tensor {
    const t = this.alloc(shape, "i32", "ints");
    this.backend.write(t, Int32Array.from(data));
    return t;
  }

  /** An output the op overwrites: compared under `name`, poisoned before the call. */
  output(name: string, shape: readonly number[], dtype: DType = "f32"): Tensor {
    const t = this.alloc(shape, dtype, name);
    this.poisoned.push(t);
    this.declare(name, t);
    return t;
  }

  /** A tensor the op updates in place or accumulates into: starts as `data`, compared under `name`. */
  updated(name: string, shape: readonly number[], data: ArrayLike<number>): Tensor {
    const t = this.input(shape, data);
    this.declare(name, t);
    return t;
  }

  /** Scratch the op may use freely; neither poisoned nor compared. */
  scratch(shape: readonly number[]): Tensor {
    const t = this.alloc(shape, "f32", "scratch");
    this.backend.write(t, new Float32Array(prod(shape)).fill(NaN));
    return t;
  }

  /**
   * Preprocesses bags with buildSparseBatch and writes the SparseBatchTensors, sized for a
   * larger "max batch" (nnzPad, uPad extra slots) whose unused tails hold junk.
   */
  sparse(
    bags: readonly (readonly number[])[],
    tableRows: readonly number[],
    batchSize: number,
    pad = { nnz: 11, u: 5 },
  ): CaseSparse {
    const offsets = new Int32Array(bags.length + 1);
    bags.forEach((bag, i) => (offsets[i + 1] = offsets[i]! + bag.length));
    const indices = Int32Array.from(bags.flat());
    const host = buildSparseBatch({ indices, offsets }, tableRows, batchSize);
    const nnzMax = indices.length + pad.nnz;
    const uMax = host.numUnique + pad.u;
    const tensors: SparseBatchTensors = {
      indices: this.ints([nnzMax], withJunkTail(host.indices, nnzMax)),
      offsets: this.ints([offsets.length], host.offsets),
      uniqueRows: this.ints([uMax], withJunkTail(host.uniqueRows, uMax)),
      tableUniqueOffsets: this.ints([host.tableUniqueOffsets.length], host.tableUniqueOffsets),
      csrOffsets: this.ints([uMax + 1], withJunkTail(host.csrOffsets, uMax + 1)),
      csrBags: this.ints([nnzMax], withJunkTail(host.csrBags, nnzMax)),
    };
    return { tensors, host, uMax };
  }

  /** Frees everything this case allocated (errors ignored: the case already reported its own). */
  freeAll(): void {
    for (const t of this.allocated) {
      try {
        this.backend.free(t);
      } catch {
        // a failed case may leave tensors the backend already rejected
      }
    }
    this.allocated.length = 0;
  }

  private declare(name: string, t: Tensor): void {
    if (this.compared.has(name)) throw new Error(`case declares output "${name}" twice`);
    this.compared.set(name, t);
  }
}

/** Product of a shape. */
export function prod(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Options for `randomBags`. */
export interface BagOptions {
  /** Bag length range, inclusive; 0 allows empty bags. */
  minLen: number;
  maxLen: number;
  /** Put the last row of the last table into some bag. */
  lastRow?: boolean;
  /** Repeat an index inside the first non-empty bag of every table. */
  repeatWithin?: boolean;
}

/**
 * T*B random bags, table-major, with indices drawn with replacement (so rows repeat across
 * bags), plus the requested edge cases.
 */
export function randomBags(rng: Rng, tableRows: readonly number[], batchSize: number, opts: BagOptions): number[][] {
  const bags: number[][] = [];
  tableRows.forEach((rows) => {
    for (let b = 0; b < batchSize; b++) {
      const len = opts.minLen + rng.int(opts.maxLen - opts.minLen + 1);
      bags.push(Array.from({ length: len }, () => rng.int(rows)));
    }
  });
  if (opts.repeatWithin) {
    for (let t = 0; t < tableRows.length; t++) {
      const bag = bags.slice(t * batchSize, (t + 1) * batchSize).find((x) => x.length > 0);
      if (bag !== undefined) bag.push(bag[0]!);
    }
  }
  if (opts.lastRow) bags[bags.length - 1]!.push(tableRows[tableRows.length - 1]! - 1);
  return bags;
}

/** Float32 values with a share of exact zeros (for ReLU masks and zero gradients). */
export function withZeros(rng: Rng, n: number, zeroShare: number, lo = -1, hi = 1): Float32Array {
  const out = rng.f32(n, lo, hi);
  for (let i = 0; i < n; i++) if (rng.next() < zeroShare) out[i] = 0;
  return out;
}

/** FNV-1a hash of a case name: its default seed. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Builds an op case; the seed defaults to a hash of the name, the precision to fp32, the scale to unit. */
export function defineCase(
  c: Omit<OpCase, "seed" | "precision" | "scale"> & Partial<Pick<OpCase, "seed" | "precision" | "scale">>,
): OpCase {
  return { precision: "fp32", seed: seedOf(c.name), scale: "unit", ...c };
}
