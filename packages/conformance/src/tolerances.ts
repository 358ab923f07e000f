/**
 * Every conformance tolerance, in one place, per op and precision, each with its reason.
 * Metric: max over elements of |got - want| / max(|want|, floor). `want` comes from the
 * reference backend (float64 accumulation, one rounding); a backend accumulating in
 * float32 or in another order differs by a few ulps per term. bf16 entries: both sides round
 * the same fp32 operands to bf16 (a pure function of the bits), and a product of two bf16 is
 * exact in fp32, so a bf16 op differs from the reference only by its fp32 summation order.
 */
import type { Precision } from "@dlrm/core";
import type { CaseOp } from "./case.js";

/** How close a backend's output must be to the reference's. */
export interface Tolerance {
  /** Largest allowed |got - want| / max(|want|, floor). */
  readonly maxRelError: number;
  /** Magnitude below which the error is measured absolutely (cancellation, tiny values). */
  readonly floor: number;
  /** Why this bound is right. */
  readonly reason: string;
}

/** One ulp of float32 at 1. */
const ULP = 2 ** -23;

const exact: Tolerance = {
  maxRelError: 0,
  floor: 1,
  reason: "no arithmetic: a copy, a select or a constant must be exact",
};
const oneRounding: Tolerance = {
  maxRelError: 2 * ULP,
  floor: 1,
  reason:
    "one f32 operation per element, exactly rounded on every backend; 2 ulp leaves room for an FMA or a fround(lr)",
};
const twoOperations: Tolerance = {
  maxRelError: 4 * ULP,
  floor: 1,
  reason:
    "a product and a sum (or two) per element in f32, each exactly rounded, or fused into one FMA, against one rounding of the f64 result; floor 1 = input scale",
};
const fp32Sum: Tolerance = {
  maxRelError: 1e-5,
  floor: 1,
  reason:
    "sums of up to a few hundred f32 terms of magnitude <= 1 accumulated in f32 in any order (error ~ sqrt(n) ulp of the term sum); floor 1 = input scale, so cancellation to ~0 is measured absolutely",
};
const optimizer: Tolerance = {
  maxRelError: 1e-6,
  floor: 1,
  reason:
    "acc += g^2, sqrt, divide, subtract in f32: a few ulps of the update, far below lr * g / sqrt(acc) ~ lr; floor 1 = parameter scale",
};
const gemmFp32: Tolerance = {
  maxRelError: 1e-4,
  floor: 1,
  reason:
    "K-length (K <= 256) f32 accumulation, blocked or not, vs f64: worst case ~K ulp of sum |a b| (~K/4 for inputs in [-1, 1]), typical far less; floor 1 = input scale",
};

/**
 * Tolerances for cases whose shape needs a bound of its own; a case names one in its
 * `tolerance` field, otherwise its first op's entry in TOLERANCES applies.
 */
export const SHAPE_TOLERANCES = {
  "gemm K=4096": {
    fp32: {
      maxRelError: 1e-4,
      floor: 16,
      reason:
        "Medium's 512 x 4096 x 4096: an element sums 4096 products of U(-1, 1) values, so outputs are ~sqrt(K)/3 ~ 21 in size and a sequential f32 sum (one thread per element, as on WebGPU) is off by ~1e-4 absolutely (measured 1.4e-4; blocked sums ~4e-5); floor 16 measures that against the output scale, and a wrong term still shows as > 1e-3",
    },
  },
} as const satisfies Record<string, Partial<Record<Precision, Tolerance>>>;

/** The name of a shape-specific tolerance. */
export type ShapeToleranceName = keyof typeof SHAPE_TOLERANCES;

/** bf16 products: operands rounded identically on both sides, products exact; only the f32 sum order differs. */
const bf16Products = (fp32: Tolerance, what: string): Tolerance => ({
  ...fp32,
  reason: `${what}: bf16 operands are the same bits on the backend and the reference and their products are exact in f32, so only the accumulation differs, as in fp32: ${fp32.reason}`,
});

/** Tolerance per op and precision; a missing precision means the op has no case at it yet. */
export const TOLERANCES: Readonly<Record<CaseOp, Partial<Record<Precision, Tolerance>>>> = {
  gemm: { fp32: gemmFp32, bf16: bf16Products(gemmFp32, "K-length sums of bf16 products") },
  linearForward: {
    fp32: { ...gemmFp32, reason: `as gemm, plus one bias add: ${gemmFp32.reason}` },
    bf16: bf16Products(gemmFp32, "as gemm bf16, plus one fp32 bias add"),
  },
  biasAddForward: { fp32: oneRounding },
  biasAddBackward: { fp32: { ...fp32Sum, reason: `column sums of up to 512 rows: ${fp32Sum.reason}` } },
  reluForward: { fp32: exact },
  reluBackward: { fp32: exact },
  sigmoidForward: {
    fp32: {
      maxRelError: 8 * ULP,
      floor: 1,
      reason:
        "one exp, an add and a divide: CPU backends round the f64 result once (exact or 1 ulp apart from the reference's exp), GPU exp is a few ulp in f32; outputs lie in (0, 1), so floor 1 measures against that scale",
    },
  },
  sigmoidBackward: {
    fp32: {
      ...twoOperations,
      reason: `(dY * y) * (1 - y): two products and a difference in f32 or one f64 rounding; floor 1 = input scale: ${twoOperations.reason}`,
    },
  },
  crossForward: { fp32: twoOperations },
  crossBackward: { fp32: twoOperations },
  embeddingBagsForward: { fp32: { ...fp32Sum, reason: `bag sums of up to ~45 rows: ${fp32Sum.reason}` } },
  embeddingBagsBackward: {
    fp32: { ...fp32Sum, reason: `per-row sums over the bags holding the row: ${fp32Sum.reason}` },
  },
  interactionForward: {
    fp32: { ...fp32Sum, reason: `D-length (D <= 64) dot products: ${fp32Sum.reason}` },
    bf16: bf16Products(fp32Sum, "D-length dot products of bf16 Z (cat: a copy)"),
  },
  interactionBackward: {
    fp32: { ...fp32Sum, reason: `sums over F <= 27 features of g * z: ${fp32Sum.reason}` },
    bf16: bf16Products(fp32Sum, "sums over F <= 27 features of bf16(g) * bf16(z) plus the fp32 x pass-through"),
  },
  lossForward: {
    fp32: {
      maxRelError: 1e-5,
      floor: 1e-6,
      reason:
        "sigmoid/softplus in f32 (GPU exp/log are a few ulp, not exactly rounded) and a B-term loss sum; floor 1e-6 lets tiny probabilities (sigmoid(-50) ~ 2e-22) differ absolutely",
    },
  },
  lossBackward: {
    fp32: {
      maxRelError: 1e-4,
      floor: 1e-3,
      reason:
        "(p - y) / B cancels when p ~ y: an f32 p is off by ~6e-8 absolutely, so measure against floor 1e-3 (~1/B scale) rather than the tiny difference",
    },
  },
  sgdStep: { fp32: oneRounding },
  adagradStep: { fp32: optimizer },
  sparseSgdStep: { fp32: oneRounding },
  sparseAdagradStep: {
    fp32: { ...optimizer, reason: `${optimizer.reason}; row-wise adds a D-term mean of g^2 in f32` },
  },
  fusedAdagradStep: { fp32: optimizer },
  embeddingBagsBackwardSparseStep: {
    fp32: {
      ...optimizer,
      maxRelError: 1e-5,
      reason:
        "per-row gradient sums in f32 (as embeddingBagsBackward) then an optimizer step; floor 1 = parameter scale",
    },
  },
  fill: { fp32: exact },
  trainingStep: {
    fp32: {
      maxRelError: 1e-4,
      floor: 1e-2,
      reason:
        "every parameter and accumulator after 3 trainModel steps: each step's gemm/bag/interaction sums differ by ~1e-6 relative (f32 order) and feed the next step's forward pass, so differences compound; floor 1e-2 (~ lr * gradient) measures near-zero weights and fresh accumulators absolutely",
    },
    bf16: {
      maxRelError: 1e-3,
      floor: 1e-2,
      reason:
        "as fp32, and a 1-ulp f32 difference in an activation or gradient (from the sum order) can flip its bf16 rounding, a 2^-8 relative change of one operand that later steps carry; such flips are rare (measured 1.9e-6 on wasm, 3.8e-7 on gaudi), 1e-3 bounds a few of them; floor 1e-2 as fp32",
    },
  },
};

/** The tolerance for an op (or a named shape) at a precision; throws when none is defined (a case without a bound is a bug). */
export function toleranceFor(op: CaseOp, precision: Precision, shape?: ShapeToleranceName): Tolerance {
  const tol: Tolerance | undefined =
    shape === undefined
      ? TOLERANCES[op][precision]
      : (SHAPE_TOLERANCES[shape] as Partial<Record<Precision, Tolerance>>)[precision];
  if (tol === undefined) throw new Error(`no ${precision} tolerance for ${shape ?? op} in tolerances.ts`);
  return tol;
}
