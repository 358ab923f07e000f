/**
 * Every conformance case, gathered from the per-family `*.cases.ts` files: ALL_CASES for
 * the unit suite and the CLI report (fp32 and bf16; `casesAt` picks one precision),
 * MEDIUM_CASES (the seed's Medium shapes, marked
 * `scale: "medium"`) only for `dlrm conformance --medium`, and ERROR_CASES (bad calls and the
 * error each must throw, error-case.ts). A new family file is added here.
 */
import { bf16Cases } from "./bf16.cases.js";
import { biasCases } from "./bias.cases.js";
import type { Precision } from "@dlrm/core";
import type { ConformanceCase } from "./case.js";
import { embeddingBagsCases } from "./embedding-bags.cases.js";
import type { ErrorCase } from "./error-case.js";
import { errorCases } from "./errors.cases.js";
import { fillCases } from "./fill.cases.js";
import { fusedCases } from "./fused.cases.js";
import { gemmCases } from "./gemm.cases.js";
import { interactionCases } from "./interaction.cases.js";
import { lossCases } from "./loss.cases.js";
import { mediumCases } from "./medium.cases.js";
import { optimizerCases } from "./optimizers.cases.js";
import { reluCases } from "./relu.cases.js";
import { sigmoidCases } from "./sigmoid.cases.js";
import { crossCases } from "./cross.cases.js";
import { trainingStepCases } from "./training-step.cases.js";

/** All unit-scale cases, by family (the whole training step, then the bf16 cases, last). */
export const ALL_CASES: readonly ConformanceCase[] = [
  ...gemmCases,
  ...biasCases,
  ...reluCases,
  ...sigmoidCases,
  ...crossCases,
  ...embeddingBagsCases,
  ...interactionCases,
  ...lossCases,
  ...optimizerCases,
  ...fillCases,
  ...fusedCases,
  ...trainingStepCases,
  ...bf16Cases,
];

/** The unit-scale cases at one precision (`dlrm conformance --dtype`). */
export function casesAt(precision: Precision): readonly ConformanceCase[] {
  return ALL_CASES.filter((c) => c.precision === precision);
}

/** The Medium-shaped cases (scale "medium"): too slow for the unit suite. */
export const MEDIUM_CASES: readonly ConformanceCase[] = mediumCases;

/** The error-case family: one bad call per rule of the contract. */
export const ERROR_CASES: readonly ErrorCase[] = errorCases;
