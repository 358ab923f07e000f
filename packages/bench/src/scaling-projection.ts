/**
 * The step-time projection behind docs/SCALING.md (scripts/scaling-projection.mjs drives it):
 * from one `dlrm plan --json` result, the busiest rank's memory and bytes per step, and a
 * model t_step = t_compute + t_comm x (1 - overlap), with t_comm = bytes / bandwidth + a
 * latency term per collective and t_compute = GEMM FLOPs of the rank's samples / a rate.
 * Pure functions only: no I/O, no measurement.
 */
import { DEFAULT_TRAIN_CONFIG, type ModelConfig } from "@dlrm/core";
import { stepFlops } from "./flops.js";

/** The parts of one rank's plan costs (a `dlrm plan --json` perRank entry) the projection reads. */
export interface RankBytes {
  rank: number;
  memoryBytes: number;
  parameterBytes: number;
  optimizerBytes: number;
  allToAllBytes: number;
  allReduceBytes: number;
}

/** The parts of a `dlrm plan --json` result the projection reads. */
export interface PlanJson {
  worldSize: number;
  batchSize: number;
  meanBagSize: number;
  model: ModelConfig;
  placements: { table: number; kind: string; ranks: number[]; rows: number }[];
  perRank: RankBytes[];
}

/** The model's assumptions, every one stated in the output. */
export interface ProjectionAssumptions {
  /** Seconds of latency per collective per log2(N) step (alpha). */
  alphaSeconds: number;
  /** Fraction of communication time hidden behind compute, 0..1. */
  overlap: number;
}

/** GEMM FLOPs of one sample's training step (forward and both backward products of every MLP layer; no embedding or element-wise work). */
export function flopsPerSample(model: ModelConfig): number {
  return stepFlops({ ...DEFAULT_TRAIN_CONFIG, model, batchSize: 1 });
}

/**
 * Collectives one rank runs per training step under a plan: the all-to-all of indices (its
 * counts, then the lengths and indices), the forward and backward pooled-embedding all-to-alls, the two MLP gradient buckets (top, bottom), and one
 * all-reduce per replicated table (as HybridStep does; the loss statistics are summed only
 * on logging steps and are left out).
 */
export function collectivesPerStep(plan: Pick<PlanJson, "placements">): number {
  return 2 + 2 + 2 + plan.placements.filter((p) => p.kind === "replicated").length;
}

/** Latency term in seconds: collectives x alpha x log2(N) (0 for one rank). */
export function latencySeconds(worldSize: number, collectives: number, alphaSeconds: number): number {
  return worldSize <= 1 ? 0 : collectives * alphaSeconds * Math.log2(worldSize);
}

/** The rank whose step sends the most bytes (all-to-all + all-reduce), first on ties. */
export function busiestRank(perRank: readonly RankBytes[]): RankBytes {
  if (perRank.length === 0) throw new RangeError("busiestRank: a plan with no ranks");
  return perRank.reduce((a, r) => (r.allToAllBytes + r.allReduceBytes > a.allToAllBytes + a.allReduceBytes ? r : a));
}

/** One projected step: seconds of compute, of communication (before overlap) and in all. */
export interface StepProjection {
  computeSeconds: number;
  commSeconds: number;
  latencySeconds: number;
  stepSeconds: number;
  samplesPerSecond: number;
}

/**
 * t_step = t_compute + t_comm x (1 - overlap), t_compute = flopsPerSample x b / rate,
 * t_comm = bytes / bandwidth + latency. b = batchSize / worldSize; rate in FLOP/s;
 * bandwidth in bytes/s per rank; bytes the rank sends per step.
 */
export function projectStep(input: {
  worldSize: number;
  batchSize: number;
  flopsPerSample: number;
  flopsPerSecond: number;
  bytesPerStep: number;
  bytesPerSecond: number;
  collectives: number;
  assumptions: ProjectionAssumptions;
}): StepProjection {
  const { worldSize: N, batchSize: B, assumptions: a } = input;
  if (!(input.flopsPerSecond > 0) || !(input.bytesPerSecond > 0))
    throw new RangeError("projectStep: the compute rate and the bandwidth must be positive");
  if (!(a.overlap >= 0 && a.overlap <= 1)) throw new RangeError(`projectStep: overlap ${a.overlap} is not in 0..1`);
  const computeSeconds = (input.flopsPerSample * (B / N)) / input.flopsPerSecond;
  const lat = latencySeconds(N, input.collectives, a.alphaSeconds);
  const commSeconds = N <= 1 ? 0 : input.bytesPerStep / input.bytesPerSecond + lat;
  const stepSeconds = computeSeconds + commSeconds * (1 - a.overlap);
  return { computeSeconds, commSeconds, latencySeconds: lat, stepSeconds, samplesPerSecond: B / stepSeconds };
}

/** Where a plan puts its tables: the kinds' counts and the kind of the largest tables. */
export interface PlanShape {
  worldSize: number;
  kinds: Record<string, number>;
  /** Kind(s) and piece count of the tables with the most rows, e.g. "column x 4". */
  largestTables: string;
  replicatedTables: number;
}

/** The shape of one plan (for "where the plan switches kinds"). */
export function planShape(plan: Pick<PlanJson, "worldSize" | "placements">): PlanShape {
  const kinds: Record<string, number> = {};
  for (const p of plan.placements) kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
  const most = Math.max(...plan.placements.map((p) => p.rows));
  const big = [...new Set(plan.placements.filter((p) => p.rows === most).map((p) => `${p.kind} x ${p.ranks.length}`))];
  return { worldSize: plan.worldSize, kinds, largestTables: big.join(", "), replicatedTables: kinds.replicated ?? 0 };
}
