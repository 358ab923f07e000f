/**
 * Every conformance case, gathered from the per-family `*.cases.ts` files. The runner and
 * the coverage guard read this list; a new family file is added here.
 */
import { biasCases } from "./bias.cases.js";
import type { ConformanceCase } from "./case.js";
import { embeddingBagsCases } from "./embedding-bags.cases.js";
import { fillCases } from "./fill.cases.js";
import { fusedCases } from "./fused.cases.js";
import { gemmCases } from "./gemm.cases.js";
import { interactionCases } from "./interaction.cases.js";
import { lossCases } from "./loss.cases.js";
import { optimizerCases } from "./optimizers.cases.js";
import { reluCases } from "./relu.cases.js";

/** All cases, by family. */
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
];
