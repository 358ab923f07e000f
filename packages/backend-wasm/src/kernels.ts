/**
 * The typed surface of the compiled AssemblyScript module (assembly/index.ts). Pointers
 * are byte offsets into linear memory (passed as numbers; offsets >= 2^31 wrap to negative
 * i32 and back, which is what wasm32 expects); dims are i32; flags are 0 or 1.
 */

/** Per-thread GEMM range kernel arguments: output rows [i0, i1) x columns [j0, j1). */
export type GemmKernel = (
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  transA: number,
  transB: number,
  alpha: number,
  beta: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  scratch: number,
  bf16: number,
) => void;

export type LinearKernel = (
  x: number,
  w: number,
  bias: number,
  y: number,
  batch: number,
  inFeatures: number,
  outFeatures: number,
  /** 0 none, 1 ReLU, 2 sigmoid. */
  act: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  scratch: number,
  bf16: number,
) => void;

/** Every export of build/dlrm.wasm; names match the contract's op names. */
export interface Kernels {
  heapBase(): number;
  gemmScratchBytes(): number;
  gemm: GemmKernel;
  linearForward: LinearKernel;
  gemmNaive(
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    alpha: number,
    beta: number,
  ): void;
  biasAddForward(y: number, bias: number, rows: number, cols: number): void;
  biasAddBackward(dY: number, dBias: number, rows: number, cols: number): void;
  reluForward(x: number, y: number, size: number): void;
  reluBackward(y: number, dY: number, dX: number, size: number): void;
  sigmoidForward(x: number, y: number, size: number): void;
  sigmoidBackward(y: number, dY: number, dX: number, size: number): void;
  crossForward(x0: number, y: number, xl: number, out: number, size: number): void;
  /** dXl is ignored (may be 0) when hasXl = 0. */
  crossBackward(
    x0: number,
    y: number,
    dOut: number,
    dY: number,
    dX0: number,
    dXl: number,
    size: number,
    accumulate: number,
    hasXl: number,
  ): void;
  fill(t: number, bits: number, size: number): void;
  embeddingBagsForward(
    tables: number,
    numTables: number,
    indices: number,
    nnzMax: number,
    offsets: number,
    pooled: number,
    batch: number,
    dim: number,
    weighted: number,
  ): number;
  embeddingBagsBackward(
    dPooled: number,
    tableUniqueOffsets: number,
    uniqueMax: number,
    csrOffsets: number,
    csrBags: number,
    nnzMax: number,
    dRows: number,
    batch: number,
    dim: number,
    numTables: number,
    tables: number,
    uniqueRows: number,
    dRowWeights: number,
  ): number;
  interactionForward(
    x: number,
    pooled: number,
    out: number,
    batch: number,
    dim: number,
    numTables: number,
    op: number,
    itself: number,
    bf16: number,
  ): void;
  interactionBackward(
    x: number,
    pooled: number,
    dOut: number,
    dX: number,
    dPooled: number,
    batch: number,
    dim: number,
    numTables: number,
    op: number,
    itself: number,
    bf16: number,
  ): void;
  /** dst[i] = bf16(src[i]) for i < n: the kernels' conversion, exposed for its bit-exact test. */
  roundToBf16(src: number, dst: number, n: number): void;
  lossForward(
    logits: number,
    targets: number,
    probs: number,
    stats: number,
    batch: number,
    loss: number,
    threshold: number,
  ): void;
  lossBackward(
    logits: number,
    targets: number,
    dLogits: number,
    batch: number,
    meanOver: number,
    loss: number,
    threshold: number,
  ): void;
  sgdStep(param: number, grad: number, lr: number, size: number): void;
  adagradStep(param: number, grad: number, acc: number, lr: number, eps: number, size: number): void;
  fusedAdagradStep(desc: number, count: number, lr: number, eps: number): void;
  sparseSgdStep(
    tables: number,
    numTables: number,
    uniqueRows: number,
    tableUniqueOffsets: number,
    uniqueMax: number,
    dRows: number,
    lr: number,
    dim: number,
  ): number;
  sparseAdagradStep(
    tables: number,
    numTables: number,
    uniqueRows: number,
    tableUniqueOffsets: number,
    uniqueMax: number,
    dRows: number,
    lr: number,
    eps: number,
    dim: number,
    rowWise: number,
  ): number;
  embeddingBagsBackwardSparseStep(
    dPooled: number,
    tables: number,
    numTables: number,
    uniqueRows: number,
    tableUniqueOffsets: number,
    uniqueMax: number,
    csrOffsets: number,
    csrBags: number,
    nnzMax: number,
    dRows: number,
    lr: number,
    eps: number,
    batch: number,
    dim: number,
    mode: number,
  ): number;
}
