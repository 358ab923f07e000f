/**
 * Every conformance case, gathered from the per-family `*.cases.ts` files: ALL_CASES for
 * the unit suite and the CLI report, MEDIUM_CASES (the seed's Medium shapes, marked
 * `scale: "medium"`) only for `dlrm conformance --medium`. A new family file is added here.
 */
import { biasCases } from "./bias.cases.js";
import type { ConformanceCase } from "./case.js";
import { embeddingBagsCases } from "./embedding-bags.cases.js";
import { fillCases } from "./fill.cases.js";
import { fusedCases } from "./fused.cases.js";
import { gemmCases } from "./gemm.cases.js";
import { interactionCases } from "./interaction.cases.js";
import { lossCases } from "./loss.cases.js";
import { mediumCases } from "./medium.cases.js";
import { optimizerCases } from "./optimizers.cases.js";
import { reluCases } from "./relu.cases.js";
import { trainingStepCases } from "./training-step.cases.js";

/** All unit-scale cases, by family (the whole training step last). */
export const ALL_CASES: readonly ConformanceCase[] = [
  ...gemmCases,
  ...biasCases,
  ...reluCases,
  ...embeddingBagsCases,
  ...interactionCases,
  ...lossCases,
  ...optimizerCases,
  ...fillCases,
  ...fusedCases,
  ...trainingStepCases,
];

/** The Medium-shaped cases (scale "medium"): too slow for the unit suite. */
export const MEDIUM_CASES: readonly ConformanceCase[] = mediumCases;
