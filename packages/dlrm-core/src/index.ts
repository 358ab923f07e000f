/**
 * Public surface of @dlrm/core: the op contract, configuration, lazy-mode wrapper,
 * host preprocessing, model, trainer, data sources, metrics, checkpoints, reference backend.
 * Backends and the CLI import only from here.
 */
export * from "./backend.js";
export * from "./config.js";
export * from "./lazy.js";
export * from "./data/sparse-batch.js";
export * from "./reference/index.js";
