/**
 * The JSON record `dlrm bench --json` writes and `--compare` and `--html` read: the
 * context (machine, commit, backend versions), the measured GEMM peak, one row per backend
 * and mode for the training step, and one row per micro-benchmarked op.
 */
import type { Precision } from "@dlrm/core";
import type { MachineInfo } from "./environment.js";
import type { Timing } from "./stats.js";

/** Time split of an eager step, medians in ms. */
export interface PhaseSplit {
  uploadMs: number;
  forwardMs: number;
  backwardUpdateMs: number;
}

/** The training step on one backend in one mode. */
export interface StepRow {
  backend: string;
  mode: "eager" | "lazy";
  timing: Timing;
  samplesPerSecond: number;
  /** GEMM GFLOP/s of the step (flopsPerStep / median). */
  gflops: number;
  /** gflops / the measured peak; null when no peak was measured. */
  fractionOfPeak: number | null;
  /** Process RSS high-water mark (process.resourceUsage().maxRSS) after this row, bytes. */
  maxRssBytes: number;
  /** What the backend says it holds (e.g. wasm linear memory in use), bytes; null when it says nothing. */
  backendBytes: number | null;
  /** Eager only (phases timed with sync between them); null in lazy mode. */
  phases: PhaseSplit | null;
}

/** One micro-benchmarked op on one backend (eager). */
export interface MicroRow {
  backend: string;
  op: string;
  /** Shape in words ("512x1024x1024 nt", "B=512 T=1 D=64"). */
  shape: string;
  timing: Timing;
  /** GFLOP/s for GEMMs; null for the others. */
  gflops: number | null;
}

/** The machine's GEMM peak as measured in this run. */
export interface PeakGemm {
  backend: string;
  size: number;
  gflops: number;
  timing: Timing;
}

/** One backend's entry: ran, skipped or failed (with the reason), its package version and device. */
export interface BackendEntry {
  name: string;
  status: "ran" | "skipped" | "failed";
  reason?: string;
  version: string;
  device?: string;
}

/** Everything one `dlrm bench` run measured. */
export interface BenchReport {
  kind: "dlrm-bench";
  schema: 1;
  createdAt: string;
  config: string;
  batchSize: number;
  /** Precision of the step and micro-benchmark GEMMs (the peak is always fp32). */
  dtype: Precision;
  iterations: number;
  warmup: number;
  machine: MachineInfo;
  commit: string | null;
  backends: BackendEntry[];
  peak: PeakGemm | null;
  flopsPerStep: number;
  /** Core's estimate of the model's device memory (tables, optimizer state, MLP, activations), bytes. */
  estimatedModelBytes: number;
  steps: StepRow[];
  micro: MicroRow[];
  /** How things were measured, in words (printed and written with the figures). */
  notes: string[];
}
