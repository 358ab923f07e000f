/**
 * The JSON record `dlrm bench --json` writes and `--compare` and `--html` read: the
 * context (machine, commit, backend versions), the measured GEMM peak, one row per backend
 * and mode for the training step (with the op-category split and the ratio to PyTorch),
 * PyTorch's step, and one row per micro-benchmarked op; with `--world-size`, the multi-process
 * section (`distributed`). Fields added after schema 1 are optional.
 */
import type { Precision, ShardingChoice, ShardKind } from "@dlrm/core";
import type { MachineInfo } from "./environment.js";
import type { Timing } from "./stats.js";

/** Time split of an eager step, medians in ms. */
export interface PhaseSplit {
  uploadMs: number;
  forwardMs: number;
  backwardUpdateMs: number;
}

/** Op categories of the op split: GEMM (gemm, linearForward), embedding bags and their sparse updates, interaction, dense optimizer, data (the upload), the rest. */
export type OpCategory = "gemm" | "embedding" | "interaction" | "optimizer" | "data" | "other";

/** Time split of an eager step by op category: each recorded op replayed alone with a sync after it. */
export interface OpSplit {
  /** One entry per category, in OP_CATEGORIES order: summed per-op medians (ms), op calls, share of totalMs. */
  categories: { category: OpCategory; ms: number; calls: number; share: number }[];
  /** Sum over categories, ms (more than the step: every op pays a sync). */
  totalMs: number;
  /** The step's measured median, ms, for comparison. */
  stepMs: number;
  /** Measured replays per op (after the warm-up replay). */
  repeats: number;
  /** Per op name: its category, calls per step and summed medians (ms). */
  ops: { op: string; category: OpCategory; calls: number; ms: number }[];
}

/** Our step against PyTorch's: ms ratios (below 1: faster than PyTorch). */
export interface TorchRatio {
  /** This row's median over rounds / PyTorch's median over rounds. */
  ofMedians: number;
  /** Median over rounds of (this row's round median / PyTorch's in the same round). */
  medianOfRounds: number;
}

/** PyTorch's step (tools/torch/torch_dlrm_bench.py) on the same configuration, once per round. */
export interface TorchResult {
  status: "ran" | "not-measured";
  /** Why it was not measured (or why some rounds failed). */
  reason?: string;
  /** The script and interpreter that ran. */
  command?: string;
  /** Median ms/iteration per round; null for a round that failed. */
  roundsMs: (number | null)[];
  /** Median over the rounds that ran; null when none did. */
  medianMs: number | null;
}

/** The training step on one backend in one mode. */
export interface StepRow {
  backend: string;
  mode: "eager" | "lazy";
  /** median: median over rounds of each round's median; min/p25/p75/max: over every sample of every round. */
  timing: Timing;
  /** Each round's median ms/iteration (absent in reports from before --rounds). */
  roundsMs?: number[];
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
  /** Eager only, last round: the split by op category; null in lazy mode or when skipped. */
  opSplit?: OpSplit | null;
  /** Against PyTorch's step; null when PyTorch was not measured. */
  vsTorch?: TorchRatio | null;
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
  /** Which product gave the peak: "nn" (A*B) or "nt" (A*B^T); absent in older reports. */
  op?: "nn" | "nt";
  gflops: number;
  timing: Timing;
}

/** One backend's entry: ran, skipped or failed (with the reason), its package version and device. */
export interface BackendEntry {
  name: string;
  /** How tables name it (core's backendLabel: "gaudi native (host CPU)"); absent in older reports. */
  label?: string;
  status: "ran" | "skipped" | "failed";
  reason?: string;
  version: string;
  device?: string;
}

/** Everything one `dlrm bench` run measured. */
export interface BenchReport {
  kind: "dlrm-bench";
  schema: 1;
  /** The command line that made it (written by `dlrm bench --json`; absent in older reports). */
  command?: string;
  createdAt: string;
  config: string;
  batchSize: number;
  /** Precision of the step and micro-benchmark GEMMs (the peak is always fp32). */
  dtype: Precision;
  iterations: number;
  warmup: number;
  /** Rounds: each runs PyTorch once, then every backend and mode (absent: 1). */
  rounds?: number;
  machine: MachineInfo;
  commit: string | null;
  backends: BackendEntry[];
  peak: PeakGemm | null;
  flopsPerStep: number;
  /** Core's estimate of the model's device memory (tables, optimizer state, MLP, activations), bytes. */
  estimatedModelBytes: number;
  steps: StepRow[];
  /** PyTorch's step on the same configuration (always fp32), or why it was not measured. */
  torch?: TorchResult;
  micro: MicroRow[];
  /** This process's RSS high-water mark at the end of the run, bytes (PyTorch runs in a child, not counted). */
  peakRssBytes?: number;
  /** How things were measured, in words (printed and written with the figures). */
  notes: string[];
  /**
   * `dlrm bench --world-size`: the multi-process step per world size, beside PyTorch's at the
   * same world size (such a run leaves `steps`, `micro` and `peak` empty).
   */
  distributed?: DistBenchSection;
}

/** Per-step collective time (ms) and bytes sent, from HybridStep.takeCounters(). */
export interface CommFigures {
  allToAllMs: number;
  allToAllBytes: number;
  allReduceMs: number;
  allReduceBytes: number;
}

/**
 * How long the collectives ran and how much of it the step hid behind compute, and the plan
 * the job ran under (`--sharding`). *Ms of CommFigures is what the step waited; *BusyMs is
 * start to end of the collectives (max over ranks per step, median over steps). Overlap =
 * 1 - waited / running, summed over every rank: per step (median) and over all steps; null
 * where no collective ran (N = 1).
 */
export interface DistOverlapFigures {
  allToAllBusyMs: number;
  allReduceBusyMs: number;
  /** Median over steps of each step's overlap (all ranks, both kinds). */
  overlapMedian: number | null;
  /** 1 - (sum of waited ms) / (sum of running ms) over every step, rank and kind. */
  overlapOverall: number | null;
  /** The same over every step and rank, all-to-all only. */
  allToAllOverlap: number | null;
  /** The same over every step and rank, all-reduce only. */
  allReduceOverlap: number | null;
  /** `--sharding` of the job (auto: the planner's choice per table). */
  sharding: ShardingChoice;
  /** Per kind, the count of tables the plan placed that way (one process: every table table-wise). */
  shardKinds: Partial<Record<ShardKind, number>>;
}

/**
 * What one dist-step.js job printed (rank 0, one JSON line): every measured step's time as
 * the max over ranks, its summary, and the medians of the per-step collective figures (each
 * the max over ranks).
 */
export interface DistStepResult extends CommFigures, DistOverlapFigures {
  kind: "dlrm-dist-step";
  config: string;
  backend: string;
  device: string;
  mode: "eager" | "lazy";
  worldSize: number;
  /** Threads asked of the backend per rank; null: the backend's default. */
  threads: number | null;
  iterations: number;
  warmup: number;
  /** Per measured step: the slowest rank's whole step, ms. */
  samplesMs: number[];
  timing: Timing;
  /** Eager only: medians of upload, forward (with the all-to-all) and backward + updates (with both collectives), each the max over ranks. */
  phases: PhaseSplit | null;
}

/** Our multi-process step on one backend, mode and world size, over the rounds. */
export interface DistStepRow extends CommFigures, Partial<DistOverlapFigures> {
  backend: string;
  mode: "eager" | "lazy";
  worldSize: number;
  threads: number | null;
  device: string;
  /** median: median over rounds of each round's median; min/p25/p75/max: over every sample of every round. */
  timing: Timing;
  roundsMs: number[];
  samplesPerSecond: number;
  /** Eager only: per-phase medians over rounds. */
  phases: PhaseSplit | null;
  /** Against PyTorch's step at the same world size; null when PyTorch was not measured. */
  vsTorch: TorchRatio | null;
  // The DistOverlapFigures (absent in reports from before --sharding) are medians over rounds.
}

/** PyTorch's hybrid-parallel step (tools/torch/torch_dlrm_dist.py) at one world size, once per round. */
export interface DistTorchRow {
  worldSize: number;
  status: "ran" | "not-measured";
  reason?: string;
  command?: string;
  /** Torch threads per rank as the script reported them. */
  threads?: number;
  roundsMs: (number | null)[];
  medianMs: number | null;
  /** Rank 0's phase medians (emb_fwd, a2a_fwd, mlp_fwd, bwd, a2a_bwd, allreduce, opt), median over rounds, ms. */
  phasesMs?: Record<string, number>;
}

/** The `--world-size` part of a report. */
export interface DistBenchSection {
  worldSizes: number[];
  /** `--sharding` of our jobs (absent in reports from before it). */
  sharding?: ShardingChoice;
  rows: DistStepRow[];
  torch: DistTorchRow[];
  /** Jobs that failed (backend, mode, world size, round: the error). */
  failures: string[];
}
