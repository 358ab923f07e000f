/**
 * Public surface of @dlrm/core: the op contract, configuration, lazy-mode wrapper,
 * host preprocessing, model, trainer, data sources, metrics, checkpoints, reference backend.
 * Backends and the CLI import only from here.
 */
export * from "./backend.js";
export * from "./config.js";
export * from "./backend-label.js";
export * from "./lazy.js";
export * from "./data/sparse-batch.js";
export * from "./reference/index.js";
export * from "./util/rng.js";
export * from "./util/bf16.js";
export * from "./util/bf16-edge-cases.js";
export * from "./checkpoint/safetensors.js";
export * from "./model/parameters.js";
export * from "./model/dlrm.js";
export * from "./data/batch.js";
export * from "./data/random-source.js";
export * from "./data/criteo-line.js";
export * from "./data/criteo-tsv-source.js";
export * from "./train/lr-schedule.js";
export * from "./train/upload.js";
export * from "./train/trainer.js";
export * from "./train/memory.js";
export * from "./checkpoint/checkpoint.js";
export * from "./checkpoint/checkpoint-dir.js";
export * from "./metrics/score-key.js";
export * from "./metrics/score-runs.js";
export * from "./metrics/binary-metrics.js";
export * from "./metrics/evaluate.js";
export * from "./data/criteo/line-stream.js";
export * from "./data/criteo/bad-lines.js";
export * from "./data/criteo/binary-rows.js";
export * from "./data/criteo/categorical-map.js";
export * from "./data/criteo/manifest.js";
export * from "./data/criteo/splits.js";
export * from "./data/criteo/chunk-plan.js";
export * from "./data/criteo/preprocess.js";
export * from "./data/criteo/processed-dataset.js";
export * from "./data/criteo/batch-assembly.js";
export * from "./data/criteo/prefetch.js";
export * from "./data/criteo/worker-prefetch.js";
export * from "./data/criteo/dataset-source.js";
export * from "./tensor-table.js";
export * from "./comm/communicator.js";
export * from "./comm/fixed-order-all-reduce.js";
export * from "./comm/single-process.js";
export * from "./parallel/plan.js";
export * from "./parallel/rank-batch.js";
export * from "./parallel/hybrid-step.js";
export * from "./parallel/shard-state.js";
export * from "./checkpoint/sharded-write.js";
export * from "./comm/in-process.js";
export * from "./parallel/train-ranks.js";
export * from "./ops-spec/index.js";
export * from "./data/criteo/dir-lock.js";
