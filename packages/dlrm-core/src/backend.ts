/**
 * The op contract every DLRM backend implements: memory calls, the required op set,
 * optional fused ops, and the execution mode (eager, or lazy with `markStep()`).
 * Core writes the model as flat lists of these calls; a backend implements only this.
 * Shape letters: B batch, T tables, D embedding dim, F = T + 1, NNZ indices in a batch,
 * U unique rows, M/N/K for GEMM. All matrices are row-major. The argument rules (sizes, dtypes,
 * dims, choices) and the error each violation throws are in ops-spec/, run by every backend.
 */

/** Element type of a tensor. Indices are int32 everywhere (WebGPU has no i64). */
export type DType = "f32" | "i32";

/**
 * Arithmetic precision of matrix products (gemm, linearForward, the dot interaction): fp32,
 * or bf16 mixed precision: each operand element rounded fp32 -> bf16 (nearest even, as
 * util/bf16.ts), products accumulated in fp32. Everything else is fp32 at either precision.
 */
export type Precision = "fp32" | "bf16";

/** eager: each op completes before the next; lazy: ops are recorded and run at `markStep()`. */
export type ExecutionMode = "eager" | "lazy";

/** An opaque handle to backend-owned memory. `shape` is row-major; `size` = prod(shape). */
export interface Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
}

/** A linear layer's activation: none, ReLU, or the logistic sigmoid (dlrm's `--activation-function`). */
export type Activation = "none" | "relu" | "sigmoid";
export type InteractionOp = "dot" | "cat";
export type LossFunction = "bce" | "mse";

/**
 * One batch's sparse input for all T tables, plus the host-built inverse map
 * (`buildSparseBatch` in core). Buffers are allocated for the maximum batch; the counts
 * that vary per step live in `tableUniqueOffsets` and `offsets` on the device.
 *
 * - `indices`   i32 [NNZmax]: row numbers within each table, table-major.
 * - `offsets`   i32 [T*B + 1]: bag (t, b) is indices[offsets[t*B+b] .. offsets[t*B+b+1]).
 *               offsets[0] = 0, non-decreasing, offsets[T*B] = NNZ.
 * - `uniqueRows` i32 [Umax]: the distinct rows touched, per table, ascending within a table.
 * - `tableUniqueOffsets` i32 [T + 1]: table t owns unique slots tableUniqueOffsets[t] ..
 *               tableUniqueOffsets[t+1]; tableUniqueOffsets[T] = U.
 * - `csrOffsets` i32 [Umax + 1], `csrBags` i32 [NNZmax]: unique slot u appears in bags
 *               csrBags[csrOffsets[u] .. csrOffsets[u+1]) (bag number b in 0..B-1, repeated
 *               once per occurrence, ascending), so gradients sum per row with no atomics.
 */
export interface SparseBatchTensors {
  readonly indices: Tensor;
  readonly offsets: Tensor;
  readonly uniqueRows: Tensor;
  readonly tableUniqueOffsets: Tensor;
  readonly csrOffsets: Tensor;
  readonly csrBags: Tensor;
}

/**
 * Required ops. Every op takes one named-argument object and writes pre-allocated outputs
 * whose `size` is at least the product of the dimensions given. Outputs never alias inputs
 * unless the doc comment says in place is allowed. Deterministic backends give bit-identical
 * results run to run, and lazy mode gives bit-identical results to eager mode.
 */
export interface BackendOps {
  /**
   * General matrix product. C (M x N) = alpha * op(A) * op(B) + beta * C, where
   * op(A) is A (M x K) or, with transA, A stored as (K x M) and transposed; op(B) is
   * B (K x N) or, with transB, B stored as (N x K). beta = 0 overwrites C (NaNs in C
   * are ignored); otherwise accumulates. `precision` bf16 rounds every element of A and B
   * to bf16 (`roundToBf16`) before the products; accumulation, alpha, beta and C stay fp32.
   */
  gemm(args: {
    a: Tensor;
    b: Tensor;
    c: Tensor;
    m: number;
    n: number;
    k: number;
    transA: boolean;
    transB: boolean;
    alpha: number;
    beta: number;
    precision?: Precision;
  }): void;

  /** Bias add, accumulate: y[i, j] += bias[j] for y (rows x cols), bias (cols). */
  biasAddForward(args: { y: Tensor; bias: Tensor; rows: number; cols: number }): void;

  /** Bias gradient, overwrite: dBias[j] = sum_i dY[i, j] for dY (rows x cols). */
  biasAddBackward(args: { dY: Tensor; dBias: Tensor; rows: number; cols: number }): void;

  /** ReLU, overwrite (in place allowed): y[i] = max(x[i], 0) over `size` elements. */
  reluForward(args: { x: Tensor; y: Tensor; size: number }): void;

  /** ReLU gradient, overwrite (in place allowed): dX[i] = y[i] > 0 ? dY[i] : 0. */
  reluBackward(args: { y: Tensor; dY: Tensor; dX: Tensor; size: number }): void;

  /**
   * Logistic sigmoid, overwrite (in place allowed): y[i] = 1 / (1 + exp(-x[i])) over `size`
   * elements, computed as exp(x) / (1 + exp(x)) for x < 0 (no overflow); NaN propagates.
   */
  sigmoidForward(args: { x: Tensor; y: Tensor; size: number }): void;

  /**
   * Sigmoid gradient from its output, overwrite (in place allowed):
   * dX[i] = (dY[i] * y[i]) * (1 - y[i]), in that order.
   */
  sigmoidBackward(args: { y: Tensor; dY: Tensor; dX: Tensor; size: number }): void;

  /**
   * DCNv2 cross layer (TorchRec's LowRankCrossNet), its element-wise part, overwrite:
   * out[i] = x0[i] * y[i] + xl[i] for i < size, where x0 is the cross network's input, xl
   * layer l's input and y = W_l (V_l xl) + b_l its low-rank product (all [B, width],
   * row-major, size = B * width). out must not alias x0, y or xl.
   */
  crossForward(args: { x0: Tensor; y: Tensor; xl: Tensor; out: Tensor; size: number }): void;

  /**
   * Gradient of `crossForward` from dOut, for i < size:
   * dY[i] = dOut[i] * x0[i];
   * dX0[i] = (accumulate ? dX0[i] : 0) + dOut[i] * y[i] + (dXl absent ? dOut[i] : 0);
   * dXl[i] = dOut[i] when dXl is given (layer l > 0: the gradient of the previous layer's
   * output, to which the low-rank path's gradient is then added). Without dXl the layer's
   * input is x0 itself (layer 0), so its identity gradient goes into dX0. No output aliases
   * an input or another output.
   */
  crossBackward(args: {
    x0: Tensor;
    y: Tensor;
    dOut: Tensor;
    dY: Tensor;
    dX0: Tensor;
    dXl?: Tensor;
    size: number;
    accumulate: boolean;
  }): void;

  /**
   * Embedding bags (mode sum) for all T tables, overwrite:
   * pooled[b, t*D + j] = sum over i in bag (t, b) of w_t[indices[i]] * tables[t][indices[i], j],
   * w_t = rowWeights[t] (rows_t elements, f32) when given, else 1 (the plain sum).
   * pooled is (B x T*D); an empty bag gives zeros. rowWeights is dlrm's weighted pooling
   * (v_W_l[t]; EmbeddingBag per_sample_weights = v_W_l[t].gather(0, indices)): one weight per
   * table row, so it is an optional input of this op rather than a new op.
   */
  embeddingBagsForward(args: {
    tables: readonly Tensor[];
    sparse: SparseBatchTensors;
    pooled: Tensor;
    batchSize: number;
    dim: number;
    rowWeights?: readonly Tensor[];
  }): void;

  /**
   * Embedding bags gradient per unique row, overwrite, for u < U, t = t(u), r = uniqueRows[u]:
   * G[u, j] = sum over bags b in csr(u) of dPooled[b, t*D + j];
   * dRows[u, j] = G[u, j], or w_t[r] * G[u, j] with rowWeights;
   * dRowWeights[u] = sum_j G[u, j] * tables[t][r, j] (the weight gradient, Umax x 1).
   * Because a weight belongs to a row (not to an occurrence), each row's gradient is its
   * unweighted sum G scaled, and the weight gradient is one dot product per unique row:
   * rowWeights, tables and dRowWeights come together or not at all. dRows is (Umax x D);
   * rows u >= U of dRows and dRowWeights are left untouched. Deterministic, no atomics.
   */
  embeddingBagsBackward(args: {
    dPooled: Tensor;
    sparse: SparseBatchTensors;
    dRows: Tensor;
    batchSize: number;
    dim: number;
    numTables: number;
    rowWeights?: readonly Tensor[];
    tables?: readonly Tensor[];
    dRowWeights?: Tensor;
  }): void;

  /**
   * Feature interaction, overwrite. Z = [x, e_1 .. e_T] as F x D per sample
   * (x is (B x D), e_t = pooled[b, t*D ..]).
   * cat: out (B x F*D) = concat(x, e_1, .., e_T).
   * dot: out (B x D + P) = concat(x, Z_i . Z_j for (i, j) in the strict lower triangle,
   * row-major ((1,0), (2,0), (2,1), ...), or with the diagonal when `itself`).
   * `precision` bf16 (dot only): every Z element is rounded to bf16 before the products,
   * which accumulate in fp32; the copied x (and all of cat) stay fp32.
   */
  interactionForward(args: {
    x: Tensor;
    pooled: Tensor;
    out: Tensor;
    batchSize: number;
    dim: number;
    numTables: number;
    op: InteractionOp;
    itself: boolean;
    precision?: Precision;
  }): void;

  /**
   * Interaction gradient, overwrite dX (B x D) and dPooled (B x T*D) from dOut. dot:
   * dZ_0 = dOut[b, 0..D) + products, dZ_i += g_p Z_k and dZ_k += g_p Z_i for each kept pair
   * p = (i, k), g_p = dOut[b, D + p]. `precision` bf16 (dot only): g_p and the Z elements are
   * rounded to bf16 before the products (fp32 accumulation); the dOut[b, 0..D) pass-through
   * is added unrounded. cat is a copy at any precision.
   */
  interactionBackward(args: {
    x: Tensor;
    pooled: Tensor;
    dOut: Tensor;
    dX: Tensor;
    dPooled: Tensor;
    batchSize: number;
    dim: number;
    numTables: number;
    op: InteractionOp;
    itself: boolean;
    precision?: Precision;
  }): void;

  /**
   * Loss from logits z (B), targets y (B), overwrite probs (B) = sigmoid(z) (clamped to
   * [t, 1-t] when threshold t > 0, 0 <= t < 0.5) and accumulate stats (3, f32, reset by the
   * trainer every print window): stats[0] += sum of per-sample losses, stats[1] += count of
   * round(p) == y (p the stored f32 probability, rounded half to even, so p = 0.5 counts as 0;
   * fractional targets never count), stats[2] += B.
   * bce: -(y max(log p, -100) + (1-y) max(log(1-p), -100)), from the logit (stable).
   * mse: (p - y)^2.
   */
  lossForward(args: {
    logits: Tensor;
    targets: Tensor;
    probs: Tensor;
    stats: Tensor;
    batchSize: number;
    loss: LossFunction;
    threshold: number;
  }): void;

  /**
   * Loss gradient of the batch mean w.r.t. the logits, overwrite dLogits (B):
   * bce: (p - y) / M; mse: 2 (p - y) p (1 - p) / M; zero where p was clamped. M is
   * `meanOver` M (an integer >= 1, default B) divides instead of B: one rank of several
   * passes the global batch, so its B samples' gradient is their share of the global mean,
   * bit for bit one process's; a batch of N accumulated mini-batches passes the mini-batch
   * size B / N, so the gradient is the sum of the N mini-batch means (dlrm's accumulation).
   * bce uses the logit-stable form even where f32 sigmoid saturates (|z| > ~17), where
   * torch's Sigmoid + BCELoss gives about 0: a deliberate, documented difference.
   */
  lossBackward(args: {
    logits: Tensor;
    targets: Tensor;
    dLogits: Tensor;
    batchSize: number;
    loss: LossFunction;
    threshold: number;
    meanOver?: number;
  }): void;

  /** Dense SGD, in place: param[i] -= lr * grad[i]. */
  sgdStep(args: { param: Tensor; grad: Tensor; lr: number; size: number }): void;

  /**
   * Dense Adagrad (torch.optim.Adagrad), in place:
   * acc[i] += grad[i]^2; param[i] -= lr * grad[i] / (sqrt(acc[i]) + eps).
   */
  adagradStep(args: { param: Tensor; grad: Tensor; acc: Tensor; lr: number; eps: number; size: number }): void;

  /**
   * Sparse SGD on unique rows, in place: for each table t and unique slot u of t,
   * tables[t][uniqueRows[u], j] -= lr * dRows[u, j]. Untouched rows do not change.
   */
  sparseSgdStep(args: {
    tables: readonly Tensor[];
    sparse: SparseBatchTensors;
    dRows: Tensor;
    lr: number;
    dim: number;
    numTables: number;
  }): void;

  /**
   * Sparse Adagrad on coalesced unique rows, in place. Element-wise (accs[t] is rows x D):
   * acc[r, j] += g[j]^2; w[r, j] -= lr * g[j] / (sqrt(acc[r, j]) + eps). Row-wise (accs[t] is
   * rows x 1): acc[r] += mean_j g[j]^2; w[r, j] -= lr * g[j] / (sqrt(acc[r]) + eps).
   * r = uniqueRows[u], g = dRows[u]. Untouched rows and accumulators do not change.
   */
  sparseAdagradStep(args: {
    tables: readonly Tensor[];
    accs: readonly Tensor[];
    sparse: SparseBatchTensors;
    dRows: Tensor;
    lr: number;
    eps: number;
    dim: number;
    numTables: number;
    rowWise: boolean;
  }): void;

  /** Fill, overwrite: t[i] = value for every element. */
  fill(args: { t: Tensor; value: number }): void;
}

/** Optional fused ops: core uses them when present. Same conformance cases as the unfused sequence. */
export interface FusedOps {
  /**
   * y (B x N) = act(x (B x K) * W^T + bias), W is (N x K), overwrite; act is the identity, ReLU
   * or the sigmoid of `sigmoidForward`. bf16 rounds x and W as gemm.
   */
  linearForward?(args: {
    x: Tensor;
    weight: Tensor;
    bias: Tensor;
    y: Tensor;
    batchSize: number;
    inFeatures: number;
    outFeatures: number;
    activation: Activation;
    precision?: Precision;
  }): void;

  /** Fused dense Adagrad over several tensors; the same formula as `adagradStep` on each. */
  fusedAdagradStep?(args: {
    params: readonly Tensor[];
    grads: readonly Tensor[];
    accs: readonly Tensor[];
    lr: number;
    eps: number;
  }): void;

  /**
   * `embeddingBagsBackward` followed by `sparseAdagradStep` (or `sparseSgdStep` when
   * `accs` is undefined) in one pass per unique row, as Habana's custom op. dRows is
   * scratch (Umax x D): its contents after the call are unspecified. Unweighted only: with
   * learned row weights the model runs the unfused ops (the weight step needs the
   * pre-update table rows for dRowWeights).
   */
  embeddingBagsBackwardSparseStep?(args: {
    dPooled: Tensor;
    tables: readonly Tensor[];
    accs?: readonly Tensor[];
    sparse: SparseBatchTensors;
    dRows: Tensor;
    lr: number;
    eps: number;
    batchSize: number;
    dim: number;
    numTables: number;
    rowWise: boolean;
  }): void;
}

/** What a backend says about itself (the CLI prints it at start-up). */
export interface BackendInfo {
  /** Registry name: "reference", "wasm", "gaudi", "webgpu". */
  readonly name: string;
  /** The device it computes on, in words ("host CPU, 2 threads", "NVIDIA ... via Vulkan"). */
  readonly device: string;
  /** Whether two runs of the same ops give bit-identical results. */
  readonly deterministic: boolean;
  /** Precisions it implements. */
  readonly precisions: readonly Precision[];
  /**
   * Bytes this backend can hold at most (wasm32: 4 GiB of linear memory; a GPU: its memory),
   * or undefined when bounded only by host memory. The trainer refuses configurations whose
   * estimate exceeds it, before allocating anything.
   */
  readonly memoryLimitBytes?: number;
}

/** A backend: memory calls + ops + optional fused ops + execution mode. */
export interface Backend extends BackendOps, FusedOps {
  readonly info: BackendInfo;
  readonly mode: ExecutionMode;

  /** Allocates an uninitialised tensor. Throws a RangeError naming `label` when it does not fit. */
  alloc(shape: readonly number[], dtype: DType, label?: string): Tensor;
  /**
   * Copies host data into t at element offset `offset` (default 0); offset + data.length <= t.size.
   * In lazy mode the copy is ordered with the recorded ops and the caller may reuse `data` at once.
   */
  write(t: Tensor, data: Float32Array | Int32Array, offset?: number): void;
  /** Reads t back to the host. In lazy mode it first runs every recorded op (as `markStep`). */
  read(t: Tensor): Promise<Float32Array | Int32Array>;
  /** Releases t; using it afterwards throws. */
  free(t: Tensor): void;
  /** Lazy mode: runs every op recorded since the last step (one submission). Eager: no-op. */
  markStep(): void;
  /** Waits until all submitted work is complete. */
  sync(): Promise<void>;
  /** Releases every resource; the backend is unusable afterwards. */
  dispose(): void;
}

/** Options every backend factory accepts. */
export interface BackendOptions {
  mode?: ExecutionMode;
  /** Threads a CPU backend may use in total, the calling thread included (default: what pays off here). */
  threads?: number;
}

/** A registered backend: how to make it, and why it cannot start when it cannot. */
export interface BackendFactory {
  readonly name: string;
  /** Undefined when the backend can start here; otherwise a one-line reason and remedy. */
  unavailableReason(): Promise<string | undefined>;
  create(options?: BackendOptions): Promise<Backend>;
}

/** The required op names; the conformance coverage guard checks every one has a case. */
export const REQUIRED_OPS = [
  "gemm",
  "biasAddForward",
  "biasAddBackward",
  "reluForward",
  "reluBackward",
  "sigmoidForward",
  "sigmoidBackward",
  "crossForward",
  "crossBackward",
  "embeddingBagsForward",
  "embeddingBagsBackward",
  "interactionForward",
  "interactionBackward",
  "lossForward",
  "lossBackward",
  "sgdStep",
  "adagradStep",
  "sparseSgdStep",
  "sparseAdagradStep",
  "fill",
] as const satisfies readonly (keyof BackendOps)[];

/** The optional fused op names. */
export const FUSED_OPS = [
  "linearForward",
  "fusedAdagradStep",
  "embeddingBagsBackwardSparseStep",
] as const satisfies readonly (keyof FusedOps)[];

export type RequiredOpName = (typeof REQUIRED_OPS)[number];
export type FusedOpName = (typeof FUSED_OPS)[number];
