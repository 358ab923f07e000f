/**
 * The DLRM run configuration: model shape, optimizer, schedule and data options, with
 * facebookresearch/dlrm's defaults and meanings. The CLI parses flags into this; the
 * model, trainer and data sources read only this. `validateConfig` names every bad field.
 */
import type { TraceDistribution } from "./data/trace-distribution.js";
import type { ExecutionMode, InteractionOp, LossFunction, Precision } from "./backend.js";
import { pooledWidth, tableLayouts, type EmbeddingVariant } from "./model/embedding-variant.js";

export type OptimizerName = "sgd" | "adagrad" | "rwsadagrad";

/**
 * The model's interaction (`--arch-interaction-op`): the backends' dot or cat, or dcn,
 * DCNv2's low-rank cross network (TorchRec's LowRankCrossNet) over cat's output:
 * x0 = cat(bottom-MLP output, pooled embeddings), x_{l+1} = x0 * (W_l (V_l x_l) + b_l) + x_l,
 * V_l: width -> K without bias, W_l: K -> width with bias; the top MLP takes x_L.
 */
export type ModelInteraction = InteractionOp | "dcn";

/** DCNv2's defaults: `--dcn-num-layers 3`, `--dcn-low-rank-dim 512`. */
export const DCN_DEFAULTS = { layers: 3, rank: 512 } as const;

/** The cross network's layer count and low-rank dimension of a dcn model (defaults where unset). */
export function dcnShape(m: ModelConfig): { layers: number; rank: number } {
  return { layers: m.dcnLayers ?? DCN_DEFAULTS.layers, rank: m.dcnRank ?? DCN_DEFAULTS.rank };
}

/** The backends' interaction op a model runs: dcn starts with cat. */
export function backendInteraction(m: ModelConfig): InteractionOp {
  return m.interaction === "dcn" ? "cat" : m.interaction;
}

export interface ModelConfig {
  /** Embedding dimension D (`--arch-sparse-feature-size`). */
  embeddingDim: number;
  /** Rows per table (`--arch-embedding-size`, dash-separated). */
  tableRows: number[];
  /** Bottom MLP widths, first = dense input width, last = D (`--arch-mlp-bot`). */
  bottomMlp: number[];
  /** Top MLP widths after the interaction, last = 1 (`--arch-mlp-top`). */
  topMlp: number[];
  interaction: ModelInteraction;
  /** Keep the diagonal of the dot interaction (`--arch-interaction-itself`). */
  interactionItself: boolean;
  /** dcn: cross layers L (`--dcn-num-layers`, default 3). */
  dcnLayers?: number;
  /** dcn: low-rank dimension K (`--dcn-low-rank-dim`, default 512). */
  dcnRank?: number;
  /** dlrm's compressed embeddings (`--qr-flag` or `--md-flag`); plain tables when absent. */
  embeddingVariant?: EmbeddingVariant;
  /**
   * dlrm's `--weighted-pooling`: "learned" gives each table a row-weight vector v_W_l.<t>
   * (rows, initialised to ones, trained) scaling its rows in every bag sum; "fixed" keeps the
   * ones, which is the plain sum. Plain sums when absent.
   */
  weightedPooling?: WeightedPooling;
  /**
   * dlrm's `--activation-function`: the activation after every hidden linear layer of both
   * MLPs (the top MLP's last layer stays a logit, its sigmoid fused into the loss). ReLU when
   * absent.
   */
  activation?: HiddenActivation;
}

/** dlrm's `--activation-function` choices. */
export type HiddenActivation = "relu" | "sigmoid";

/** dlrm's `--weighted-pooling` choices. */
export type WeightedPooling = "fixed" | "learned";

export interface TrainConfig {
  model: ModelConfig;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  loss: LossFunction;
  /** Clamp p to [t, 1-t] when > 0 (`--loss-threshold`). */
  lossThreshold: number;
  epochs: number;
  /** Stop after this many batches per epoch when > 0 (`--num-batches`). */
  numBatches: number;
  printFreq: number;
  precision: Precision;
  mode: ExecutionMode;
  /** dlrm's LR schedule: warmup steps, decay start step, decay steps (0 = off). */
  lrNumWarmupSteps: number;
  lrDecayStartStep: number;
  lrNumDecaySteps: number;
  /** Seed for parameter init and random data (`--numpy-rand-seed`). */
  seed: number;
  /**
   * dlrm's --mlperf-grad-accum-iter N (absent: 1): each batch of `batchSize` is N consecutive
   * mini-batches of batchSize / N, and its loss gradient is the sum of their N mean-loss
   * gradients (dlrm's N backward calls before one optimizer step), taken in one pass.
   */
  gradAccumIter?: number;
}

export interface RandomDataConfig {
  kind: "random";
  /** Total samples (`--data-size`). */
  dataSize: number;
  /** Max indices per bag (`--num-indices-per-lookup`). */
  numIndicesPerLookup: number;
  /** Exactly that many draws per bag (`--num-indices-per-lookup-fixed`). */
  numIndicesPerLookupFixed: boolean;
  /** Targets rounded to 0/1 (`--round-targets`). */
  roundTargets: boolean;
  /** How bag indices are drawn (`--rand-data-dist`); absent: uniform over the table's rows. */
  indexDistribution?: RandomIndexDistribution;
}

/**
 * dlrm's `--rand-data-dist`: "uniform" draws round(u * (rows - 1)); "gaussian" draws
 * normal(mu, sigma) (mu = (min + max) / 2 when given as -1), clipped to [min, max], the
 * distinct draws truncated to integers (`--rand-data-min/max/mu/sigma`); "trace" is
 * `--data-generation synthetic`: each table's bags replay its distribution file's LRU stack
 * (data/trace-distribution.ts; `--data-trace-file`, `--data-trace-enable-padding`).
 */
export type RandomIndexDistribution =
  | { kind: "uniform" }
  | { kind: "gaussian"; min: number; max: number; mu: number; sigma: number }
  | { kind: "trace"; tables: readonly TraceDistribution[]; enablePadding: boolean; files: readonly string[] };

export interface CriteoTsvDataConfig {
  kind: "criteo-tsv";
  /** Raw Criteo TSV file (label, 13 dense, 26 hex categorical). */
  path: string;
  /** Categorical mapping: unsigned hash % maxIndRange. */
  maxIndRange: number;
  /** Read at most this many rows (0 = all). */
  maxRows: number;
}

export type DataConfig = RandomDataConfig | CriteoTsvDataConfig;

/** The small configuration `dlrm train` runs without arguments. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  model: {
    embeddingDim: 16,
    tableRows: [1000, 1000, 1000, 1000],
    bottomMlp: [13, 64, 16],
    topMlp: [64, 32, 1],
    interaction: "dot",
    interactionItself: false,
  },
  batchSize: 128,
  learningRate: 0.01,
  optimizer: "adagrad",
  /** dlrm's default loss is mse (its flag default); click data wants bce. */
  loss: "mse",
  lossThreshold: 0,
  epochs: 1,
  numBatches: 0,
  printFreq: 10,
  precision: "fp32",
  mode: "eager",
  lrNumWarmupSteps: 0,
  lrDecayStartStep: 0,
  lrNumDecaySteps: 0,
  seed: 123,
};

export const DEFAULT_RANDOM_DATA: RandomDataConfig = {
  kind: "random",
  dataSize: 12800,
  numIndicesPerLookup: 10,
  numIndicesPerLookupFixed: false,
  roundTargets: true,
};

/** Width of the interaction output for a model (the first top-MLP input). */
export function interactionWidth(m: ModelConfig): number {
  const f = m.tableRows.length + 1;
  const d = pooledWidth(m.embeddingDim, m.embeddingVariant);
  if (m.interaction === "cat" || m.interaction === "dcn") return f * d;
  const pairs = m.interactionItself ? (f * (f + 1)) / 2 : (f * (f - 1)) / 2;
  return d + pairs;
}

/** Thrown for an invalid configuration; `field` names the flag or field at fault. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ConfigError";
  }
}

function positiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(field, `expected a positive integer, got ${v}`);
}

function nonNegativeInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ConfigError(field, `expected a non-negative integer, got ${v}`);
}

/**
 * The samples each of `worldSize` ranks trains on: B / worldSize; a ConfigError naming both
 * numbers when the global batch (`--mini-batch-size`) does not divide evenly.
 */
export function localBatchSize(batchSize: number, worldSize: number): number {
  if (batchSize % worldSize !== 0) {
    throw new ConfigError(
      "--mini-batch-size",
      `the global batch ${batchSize} does not divide evenly over ${worldSize} ranks`,
    );
  }
  return batchSize / worldSize;
}

/** `--weighted-pooling learned` runs on plain tables with the plain or element-wise Adagrad optimizers. */
function validateWeightedPooling(m: ModelConfig, optimizer: OptimizerName): void {
  if (m.weightedPooling === undefined || m.weightedPooling === "fixed") return;
  if (m.weightedPooling !== "learned")
    throw new ConfigError("--weighted-pooling", `expected fixed or learned, got ${String(m.weightedPooling)}`);
  const v = m.embeddingVariant;
  if (v !== undefined)
    throw new ConfigError("--weighted-pooling", `learned cannot be combined with --${v.kind}-flag (plain tables only)`);
  if (optimizer === "rwsadagrad")
    throw new ConfigError("--weighted-pooling", "learned runs with --optimizer sgd or adagrad, not rwsadagrad");
}

/** The QR / MD options' checks (dlrm's flag names). */
function validateEmbeddingVariant(m: ModelConfig): void {
  const v = m.embeddingVariant;
  if (v === undefined) return;
  if (v.kind === "qr") {
    nonNegativeInt("--qr-threshold", v.threshold);
    positiveInt("--qr-collisions", v.collisions);
    if (!["mult", "add", "concat"].includes(v.operation))
      throw new ConfigError("--qr-operation", `expected mult, add or concat, got ${v.operation}`);
    const small = m.tableRows.findIndex((n) => n <= v.threshold);
    if (v.operation === "concat" && small >= 0) {
      throw new ConfigError(
        "--qr-operation",
        `concat needs every table above --qr-threshold (${v.threshold}); table ${small} has ${m.tableRows[small]} rows`,
      );
    }
    return;
  }
  nonNegativeInt("--md-threshold", v.threshold);
  if (!(v.temperature >= 0) || !Number.isFinite(v.temperature))
    throw new ConfigError("--md-temperature", `expected a non-negative number, got ${v.temperature}`);
  tableLayouts(m.tableRows, m.embeddingDim, v).forEach((l, t) => {
    if (l.kind === "md" && l.width > m.embeddingDim) {
      throw new ConfigError("--md-round-dims", `table ${t} would be ${l.width} wide, above --arch-sparse-feature-size`);
    }
  });
}

/** Checks every field; throws a ConfigError naming the first bad one. */
export function validateConfig(c: TrainConfig): void {
  const m = c.model;
  positiveInt("--arch-sparse-feature-size", m.embeddingDim);
  if (m.tableRows.length === 0) throw new ConfigError("--arch-embedding-size", "at least one table is needed");
  m.tableRows.forEach((r) => positiveInt("--arch-embedding-size", r));
  if (m.tableRows.some((r) => r > 2 ** 31 - 1))
    throw new ConfigError("--arch-embedding-size", "a table may have at most 2^31-1 rows");
  if (m.bottomMlp.length < 2) throw new ConfigError("--arch-mlp-bot", "needs at least an input and an output width");
  m.bottomMlp.forEach((w) => positiveInt("--arch-mlp-bot", w));
  validateEmbeddingVariant(m);
  validateWeightedPooling(m, c.optimizer);
  if (m.activation !== undefined && m.activation !== "relu" && m.activation !== "sigmoid")
    throw new ConfigError("--activation-function", `expected relu or sigmoid, got ${String(m.activation)}`);
  const width = pooledWidth(m.embeddingDim, m.embeddingVariant);
  if (m.bottomMlp[m.bottomMlp.length - 1] !== width) {
    const of = width === m.embeddingDim ? "--arch-sparse-feature-size" : "twice --arch-sparse-feature-size (QR concat)";
    throw new ConfigError(
      "--arch-mlp-bot",
      `the last width (${m.bottomMlp[m.bottomMlp.length - 1]}) must equal ${of} (${width})`,
    );
  }
  if (m.interaction === "dcn") {
    positiveInt("--dcn-num-layers", dcnShape(m).layers);
    positiveInt("--dcn-low-rank-dim", dcnShape(m).rank);
  }
  if (m.topMlp.length < 1) throw new ConfigError("--arch-mlp-top", "needs at least one width");
  m.topMlp.forEach((w) => positiveInt("--arch-mlp-top", w));
  if (m.topMlp[m.topMlp.length - 1] !== 1)
    throw new ConfigError("--arch-mlp-top", "the last width must be 1 (the click logit)");
  positiveInt("--mini-batch-size", c.batchSize);
  if (c.gradAccumIter !== undefined) {
    positiveInt("--mlperf-grad-accum-iter", c.gradAccumIter);
    if (c.batchSize % c.gradAccumIter !== 0)
      throw new ConfigError(
        "--mlperf-grad-accum-iter",
        `the batch ${c.batchSize} is not a whole number of ${c.gradAccumIter} mini-batches`,
      );
  }
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) {
    throw new ConfigError("--learning-rate", `expected a positive number, got ${c.learningRate}`);
  }
  if (!(c.lossThreshold >= 0 && c.lossThreshold < 0.5)) {
    throw new ConfigError("--loss-threshold", `expected 0 <= t < 0.5, got ${c.lossThreshold}`);
  }
  positiveInt("--nepochs", c.epochs);
  nonNegativeInt("--num-batches", c.numBatches);
  positiveInt("--print-freq", c.printFreq);
  nonNegativeInt("--lr-num-warmup-steps", c.lrNumWarmupSteps);
  nonNegativeInt("--lr-decay-start-step", c.lrDecayStartStep);
  nonNegativeInt("--lr-num-decay-steps", c.lrNumDecaySteps);
  nonNegativeInt("--numpy-rand-seed", c.seed);
}
