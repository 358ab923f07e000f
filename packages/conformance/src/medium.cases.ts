/**
 * The seed's Medium shapes as conformance cases, marked `scale: "medium"`: gemm at
 * 512 x 1024 x 1024 and 512 x 4096 x 4096 (the bottom and top MLP layers at batch 512) in
 * all four transpose cases, and embedding bags of D = 64 with 38 indices per bag at batch
 * 512. Seconds per call on a CPU: they run in `dlrm conformance --medium`, and in `npm test`
 * on gaudi against a row-sampled reference for gemm (test/conformance/medium.test.ts).
 */
import { defineCase, randomBags, type OpCase } from "./case.js";
import { gemmCase, TRANSPOSES } from "./gemm.cases.js";

/** M x N x K of the Medium MLP layers at batch 512. */
const GEMM_SHAPES: readonly (readonly [number, number, number])[] = [
  [512, 1024, 1024],
  [512, 4096, 4096],
];

function mediumGemm(m: number, n: number, k: number, transA: boolean, transB: boolean): OpCase {
  const tag = `${transA ? "t" : "n"}${transB ? "t" : "n"}`;
  return gemmCase(m, n, k, transA, transB, 1, 0, {
    name: `gemm/medium ${tag} ${m}x${n}x${k}`,
    scale: "medium",
    ...(k === 4096 ? { tolerance: "gemm K=4096" as const } : {}),
  });
}

/**
 * Medium's embedding lookup at batch 512: 38 indices per bag, D = 64. The table has
 * 300,000 rows rather than Medium's 3,000,000 (768 MB per copy, and the runner holds up to
 * four copies): the kernels see the same bag shape, only the cache behaviour differs.
 */
const BAGS = { tableRows: [300_000], batchSize: 512, dim: 64, perBag: 38 } as const;

const embeddingForward = defineCase({
  name: `embeddingBagsForward/medium B=512 D=64 38 per bag`,
  ops: ["embeddingBagsForward"],
  scale: "medium",
  setup(env) {
    const { tableRows, batchSize, dim, perBag } = BAGS;
    const tables = tableRows.map((rows) => env.random([rows, dim]));
    const bags = randomBags(env.rng, tableRows, batchSize, {
      minLen: perBag,
      maxLen: perBag,
      lastRow: true,
      repeatWithin: true,
    });
    const { tensors } = env.sparse(bags, tableRows, batchSize);
    const pooled = env.output("pooled", [batchSize, tableRows.length * dim]);
    return () => env.backend.embeddingBagsForward({ tables, sparse: tensors, pooled, batchSize, dim });
  },
});

const embeddingBackward = defineCase({
  name: `embeddingBagsBackward/medium B=512 D=64 38 per bag`,
  ops: ["embeddingBagsBackward"],
  scale: "medium",
  setup(env) {
    const { tableRows, batchSize, dim, perBag } = BAGS;
    const bags = randomBags(env.rng, tableRows, batchSize, {
      minLen: perBag,
      maxLen: perBag,
      lastRow: true,
      repeatWithin: true,
    });
    const { tensors, uMax } = env.sparse(bags, tableRows, batchSize);
    const dPooled = env.random([batchSize, tableRows.length * dim]);
    const dRows = env.output("dRows", [uMax, dim]);
    return () =>
      env.backend.embeddingBagsBackward({
        dPooled,
        sparse: tensors,
        dRows,
        batchSize,
        dim,
        numTables: tableRows.length,
      });
  },
});

/** Every Medium-shaped case. */
export const mediumCases: readonly OpCase[] = [
  ...GEMM_SHAPES.flatMap(([m, n, k]) => TRANSPOSES.map(([ta, tb]) => mediumGemm(m, n, k, ta, tb))),
  embeddingForward,
  embeddingBackward,
];
