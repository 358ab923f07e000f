/**
 * Public surface of @dlrm/bench, the library behind `dlrm bench`: the configurations, the
 * run (peak, step per backend and mode, op split, micro-benchmarks, PyTorch's step beside
 * them), the multi-process run (--world-size, beside PyTorch's at each N), the report types,
 * text/HTML rendering, comparison of two reports, and the machine/commit/version context.
 */
export * from "./configs.js";
export * from "./compare.js";
export * from "./dist-run.js";
export * from "./environment.js";
export * from "./flops.js";
export * from "./html-dist.js";
export * from "./html-report.js";
export * from "./op-split.js";
export * from "./preprocess-bench.js";
export * from "./required-backends.js";
export * from "./run-bench.js";
export * from "./stats.js";
export * from "./text-report.js";
export * from "./torch-ratio.js";
export * from "./torch-runner.js";
export * from "./types.js";
