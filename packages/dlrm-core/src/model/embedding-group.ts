/**
 * One rank's embedding pieces of one width (the embedding ops take one width per call): the
 * piece tensors with their optimizer state, the batch's sparse input for them over the
 * global batch, their pooled output and its gradient, and the ops that run over them.
 * In one process there is one group: every table whole, pooling straight into the model's
 * pooled tensor; with learned pooling weights (one process) the group also holds each table's
 * row-weight vector v_W_l.<t>, its optimizer state and its per-unique-row gradient.
 */
import type { Backend, SparseBatchTensors, Tensor } from "../backend.js";
import type { OptimizerName } from "../config.js";
import { tableBagBound, type BagBounds } from "../data/batch.js";
import type { HostSparseInput } from "../data/sparse-batch.js";
import { shardRows, type ShardGroup, type TableShard } from "../parallel/shards.js";

/** torch.optim.Adagrad's default eps. */
export const ADAGRAD_EPS = 1e-10;

/** The tensor name of table t's piece (the whole table's name when it is whole). */
export function pieceName(s: TableShard, dim: number, rows: number): string {
  const name = `emb_l.${s.table}.weight`;
  const whole = s.rowStart === 0 && s.rowEnd === rows && s.colStart === 0 && s.colEnd === dim;
  return whole ? name : `${name} [rows ${s.rowStart}..${s.rowEnd}, cols ${s.colStart}..${s.colEnd}]`;
}

export class EmbeddingGroup {
  readonly width: number;
  readonly replicated: boolean;
  readonly shards: readonly TableShard[];
  readonly tables: Tensor[];
  readonly accs: Tensor[] = [];
  readonly sparse: SparseBatchTensors;
  /** [BE, n * width]: the pieces' bags over the global batch, piece-major within a row. */
  readonly pooled: Tensor;
  readonly dPooled: Tensor;
  /** [nnzMax, width]: gradients of the unique rows. */
  readonly dRows: Tensor;
  readonly nnzMax: number;
  /** Unique (piece, row) pairs of the batch last uploaded (set by the uploader). */
  numUnique = 0;
  /**
   * The group's bags from the batch's T*B logical bags, when its pieces are not the logical
   * tables (QR and MD physical tables; see bag-remap.ts). Absent: the batch's bags as they are.
   */
  inputMap?: (logical: HostSparseInput) => HostSparseInput;
  /** Learned pooling weights: per piece a [rows] vector (dlrm's v_W_l.<t>), empty when plain sums. */
  readonly rowWeights: Tensor[] = [];
  /** Their Adagrad state ([rows] each; empty for SGD or plain sums). */
  readonly rowWeightAccs: Tensor[] = [];
  /** [nnzMax]: the weights' gradients of the unique rows (learned pooling weights only). */
  readonly dRowWeights: Tensor | undefined;

  /**
   * `group` lists the pieces; `pooled`/`dPooled` given: pool into them (one process), else
   * allocate [batchSize, n * width]. `tableRows` are the whole tables' rows (for names);
   * `names` overrides the pieces' tensor names. `learnedWeights`: the pieces are whole tables
   * whose bags are weighted by trained row weights (dlrm's `--weighted-pooling learned`).
   */
  constructor(
    backend: Backend,
    group: ShardGroup,
    tableRows: readonly number[],
    dim: number,
    private readonly batchSize: number,
    bounds: BagBounds,
    private readonly optimizer: OptimizerName,
    pooled?: { pooled: Tensor; dPooled: Tensor },
    names?: readonly string[],
    learnedWeights = false,
  ) {
    const be = backend;
    this.width = group.width;
    this.replicated = group.replicated;
    this.shards = group.shards;
    const n = group.shards.length;
    const w = this.width;
    this.nnzMax = batchSize * group.shards.reduce((a, s) => a + tableBagBound(bounds, s.table), 0);
    const label = names ?? group.shards.map((s) => pieceName(s, dim, tableRows[s.table]!));
    this.tables = group.shards.map((s, i) => be.alloc([shardRows(s), w], "f32", label[i]));
    if (optimizer !== "sgd") {
      const rowWise = optimizer === "rwsadagrad";
      group.shards.forEach((s, i) =>
        this.accs.push(be.alloc(rowWise ? [shardRows(s), 1] : [shardRows(s), w], "f32", `${label[i]} (Adagrad state)`)),
      );
    }
    const nnz = Math.max(this.nnzMax, 1);
    this.sparse = {
      indices: be.alloc([nnz], "i32", "indices"),
      offsets: be.alloc([n * batchSize + 1], "i32", "offsets"),
      uniqueRows: be.alloc([nnz], "i32", "unique rows"),
      tableUniqueOffsets: be.alloc([n + 1], "i32", "table unique offsets"),
      csrOffsets: be.alloc([this.nnzMax + 1], "i32", "CSR offsets"),
      csrBags: be.alloc([nnz], "i32", "CSR bags"),
    };
    this.pooled = pooled?.pooled ?? be.alloc([batchSize, n * w], "f32", `pooled embeddings (${w} wide pieces)`);
    this.dPooled = pooled?.dPooled ?? be.alloc([batchSize, n * w], "f32", `pooled gradient (${w} wide pieces)`);
    this.dRows = be.alloc([nnz, w], "f32", `unique-row gradients (${w} wide pieces)`);
    if (learnedWeights) {
      for (const s of group.shards) {
        const rows = shardRows(s);
        this.rowWeights.push(be.alloc([rows], "f32", `v_W_l.${s.table}`));
        if (optimizer !== "sgd") this.rowWeightAccs.push(be.alloc([rows], "f32", `v_W_l.${s.table} (Adagrad state)`));
      }
      this.dRowWeights = be.alloc([nnz], "f32", "unique-row pooling-weight gradients");
    }
  }

  /** The rowWeights arguments of the embedding-bag ops (none for plain sums). */
  private weighted(): { rowWeights?: readonly Tensor[] } {
    return this.rowWeights.length === 0 ? {} : { rowWeights: this.rowWeights };
  }

  /** Rows of each piece, in order (the sparse input's table sizes). */
  pieceRows(): number[] {
    return this.shards.map(shardRows);
  }

  /** pooled[b, j*w .. (j+1)*w) = sum of piece j's rows in bag (j, b), on `be` (the model's backend: ops run where the model sends them). */
  forward(be: Backend): void {
    be.embeddingBagsForward({
      tables: this.tables,
      sparse: this.sparse,
      pooled: this.pooled,
      batchSize: this.batchSize,
      dim: this.width,
      ...this.weighted(),
    });
  }

  /**
   * Embedding bags backward from `dPooled` and the sparse optimizer step, fused where the
   * backend has it (the fused op has no row weights: with learned weights the unfused ops run,
   * both gradients from the tables as they were, then both steps).
   */
  backwardAndStep(be: Backend, lr: number): void {
    if (be.embeddingBagsBackwardSparseStep && this.dRowWeights === undefined) {
      be.embeddingBagsBackwardSparseStep({
        dPooled: this.dPooled,
        tables: this.tables,
        ...(this.optimizer === "sgd" ? {} : { accs: this.accs }),
        sparse: this.sparse,
        dRows: this.dRows,
        lr,
        eps: ADAGRAD_EPS,
        batchSize: this.batchSize,
        dim: this.width,
        numTables: this.shards.length,
        rowWise: this.optimizer === "rwsadagrad",
      });
      return;
    }
    this.backward(be);
    this.step(be, lr);
  }

  /** dRows of every unique row from `dPooled` (and dRowWeights with learned pooling weights). */
  backward(be: Backend): void {
    be.embeddingBagsBackward({
      dPooled: this.dPooled,
      sparse: this.sparse,
      dRows: this.dRows,
      batchSize: this.batchSize,
      dim: this.width,
      numTables: this.shards.length,
      ...(this.dRowWeights === undefined
        ? {}
        : { rowWeights: this.rowWeights, tables: this.tables, dRowWeights: this.dRowWeights }),
    });
  }

  /**
   * The sparse optimizer step of the unique rows from `dRows`, then (learned pooling weights)
   * of the weights' unique entries from `dRowWeights` as tables of dim 1. PyTorch's gradient of
   * v_W_l.<t> is dense but zero off the rows the batch touched; torch.optim.SGD and Adagrad
   * (acc += g^2; w -= lr g / (sqrt(acc) + eps)) leave an entry whose g = 0 unchanged (its acc
   * gains 0, its step is 0), so the sparse step over the unique rows is the same update.
   */
  step(be: Backend, lr: number): void {
    this.stepTables(be, lr, this.tables, this.accs, this.dRows, this.width);
    if (this.dRowWeights !== undefined)
      this.stepTables(be, lr, this.rowWeights, this.rowWeightAccs, this.dRowWeights, 1);
  }

  private stepTables(be: Backend, lr: number, tables: Tensor[], accs: Tensor[], dRows: Tensor, dim: number): void {
    const numTables = this.shards.length;
    if (this.optimizer === "sgd") {
      be.sparseSgdStep({ tables, sparse: this.sparse, dRows, lr, dim, numTables });
      return;
    }
    be.sparseAdagradStep({
      tables,
      accs,
      sparse: this.sparse,
      dRows,
      lr,
      eps: ADAGRAD_EPS,
      dim,
      numTables,
      rowWise: this.optimizer === "rwsadagrad",
    });
  }
}
