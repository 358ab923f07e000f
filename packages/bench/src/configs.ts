/**
 * The benchmark configurations, named as on the command line: the small default, the
 * Criteo Kaggle shape (26 x 100,000 x 16, dot, batch 128), the seed's Medium (one
 * 3,000,000 x 64 table, cat, batch 512) and MLPerf's DLRMv2 scaled down (dcn, multi-hot).
 * Each is a TrainConfig plus random-data options, and the matching torch_dlrm_bench.py flags.
 */
import {
  CRITEO_1TB_TABLES,
  DEFAULT_TRAIN_CONFIG,
  dcnShape,
  MLPERF_MULTI_HOT,
  type BagBounds,
  type RandomDataConfig,
  type TrainConfig,
} from "@dlrm/core";

export interface BenchConfig {
  name: string;
  train: TrainConfig;
  data: RandomDataConfig;
  /** MLPerf's synthetic multi-hot sizes, one per table: every index of table t becomes multiHot[t] ids. */
  multiHot?: readonly number[];
}

/** Rows of a DLRMv2 table scaled down to fit (as `--max-ind-range`). */
export const DLRMV2_BENCH_ROWS = 100000;

/** The most indices one bag of each table can hold in `c`'s batches (after the multi-hot expansion). */
export function benchBagBounds(c: BenchConfig): BagBounds {
  const k = c.data.numIndicesPerLookup;
  const hot = c.multiHot;
  return {
    maxIndicesPerBag: k * Math.max(1, ...(hot ?? [])),
    ...(hot === undefined ? {} : { maxIndicesPerBagByTable: hot.map((h) => k * h) }),
  };
}

function make(
  name: string,
  model: TrainConfig["model"],
  batchSize: number,
  lr: number,
  indicesPerLookup: number,
): BenchConfig {
  return {
    name,
    train: {
      ...DEFAULT_TRAIN_CONFIG,
      model,
      batchSize,
      learningRate: lr,
      optimizer: "adagrad",
      loss: "bce",
      printFreq: 1_000_000,
    },
    data: {
      kind: "random",
      dataSize: batchSize,
      numIndicesPerLookup: indicesPerLookup,
      numIndicesPerLookupFixed: false,
      roundTargets: true,
    },
  };
}

export const BENCH_CONFIGS: Record<string, BenchConfig> = {
  tiny: make(
    "tiny",
    {
      embeddingDim: 8,
      tableRows: [1000, 1000],
      bottomMlp: [13, 16, 8],
      topMlp: [16, 1],
      interaction: "dot",
      interactionItself: false,
    },
    32,
    0.01,
    4,
  ),
  small: make(
    "small",
    {
      embeddingDim: 16,
      tableRows: [100000, 100000, 100000, 100000],
      bottomMlp: [13, 64, 16],
      topMlp: [64, 32, 1],
      interaction: "dot",
      interactionItself: false,
    },
    128,
    0.01,
    8,
  ),
  kaggle: make(
    "kaggle",
    {
      embeddingDim: 16,
      tableRows: new Array(26).fill(100000),
      bottomMlp: [13, 512, 256, 64, 16],
      topMlp: [512, 256, 1],
      interaction: "dot",
      interactionItself: false,
    },
    128,
    0.01,
    8,
  ),
  medium: make(
    "medium",
    {
      embeddingDim: 64,
      tableRows: [3000000],
      bottomMlp: [1024, 1024, 1024, 64],
      topMlp: [4096, 4096, 4096, 4096, 4096, 4096, 4096, 1],
      interaction: "cat",
      interactionItself: false,
    },
    512,
    1e-5,
    38,
  ),
  dlrmv2: dlrmv2(),
};

/**
 * MLPerf DLRMv2 (DLRM-DCNv2) with every table cut to DLRMV2_BENCH_ROWS rows: dimension 128,
 * bottom 13-512-256-128, 3 cross layers of rank 512, top 1024-1024-512-256-1, MLPerf's
 * multi-hot sizes over one index per lookup, Adagrad at MLPerf's learning rate, batch 256.
 */
function dlrmv2(): BenchConfig {
  const c = make(
    "dlrmv2",
    {
      embeddingDim: 128,
      tableRows: CRITEO_1TB_TABLES.map((r) => Math.min(r, DLRMV2_BENCH_ROWS)),
      bottomMlp: [13, 512, 256, 128],
      topMlp: [1024, 1024, 512, 256, 1],
      interaction: "dcn",
      interactionItself: false,
      dcnLayers: 3,
      dcnRank: 512,
    },
    256,
    0.004,
    1,
  );
  return { ...c, data: { ...c.data, numIndicesPerLookupFixed: true }, multiHot: [...MLPERF_MULTI_HOT] };
}

/** torch_dlrm_bench.py's flags for the same configuration. */
export function torchFlags(c: BenchConfig, iterations: number): string[] {
  const m = c.train.model;
  return [
    "--arch-sparse-feature-size",
    String(m.embeddingDim),
    "--arch-embedding-size",
    m.tableRows.join("-"),
    "--arch-mlp-bot",
    m.bottomMlp.join("-"),
    "--arch-mlp-top",
    m.topMlp.join("-"),
    "--arch-interaction-op",
    m.interaction,
    "--mini-batch-size",
    String(c.train.batchSize),
    "--num-indices-per-lookup",
    String(c.data.numIndicesPerLookup),
    "--optimizer",
    c.train.optimizer,
    "--learning-rate",
    String(c.train.learningRate),
    "--num-batches",
    String(iterations),
    ...(c.data.numIndicesPerLookupFixed ? ["--num-indices-per-lookup-fixed"] : []),
    ...(m.interaction === "dcn"
      ? ["--dcn-num-layers", String(dcnShape(m).layers), "--dcn-low-rank-dim", String(dcnShape(m).rank)]
      : []),
    ...(c.multiHot !== undefined ? ["--multi-hot-sizes", c.multiHot.join(",")] : []),
  ];
}
