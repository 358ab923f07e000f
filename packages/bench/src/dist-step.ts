/**
 * One job of `dlrm bench --world-size N`, run as every rank under mpirun (or, at N = 1, as one
 * plain process without mpirun): builds the bench configuration's model on one backend and
 * mode (`buildModel` with the MPI communicator and the `--sharding` plan of `planForSource`:
 * this rank's table pieces and the replicated MLPs),
 * replays pre-generated random global batches (every rank generates the same ones; the
 * uploader keeps this rank's part) and times whole steps: upload + forward (with the pooled
 * all-to-all) + backward and updates (with the reverse all-to-all and the MLP all-reduce) +
 * markStep + await sync. Warm-up steps first, then the measured ones after a barrier. At the
 * end every rank's per-step figures are gathered, and each step counts as its slowest rank's
 * (the job's step time); the collective figures of `HybridStep.takeCounters()` likewise (the
 * all-to-all figures count both all-to-alls: of indices at upload and of pooled embeddings), and
 * the overlap of communication with compute is 1 - waited / running over all ranks.
 * Rank 0 prints one JSON line (DistStepResult). Any error ends the whole job (MPI_Abort).
 *
 * usage: node dist-step.js --config NAME --backend NAME [--mode eager|lazy] [--dtype fp32|bf16]
 *          [--iterations N] [--warmup N] [--threads N] [--timeout-ms MS]
 *          [--sharding auto|table|row|column|replicated]
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BACKENDS } from "@dlrm/backends";
import {
  BatchUploader,
  buildModel,
  HybridStep,
  planForSource,
  SHARDING_CHOICES,
  type Backend,
  type CommCounters,
  type Communicator,
  type ExecutionMode,
  type Precision,
  type ShardingChoice,
  type ShardingPlan,
  type ShardKind,
} from "@dlrm/core";
import { BENCH_CONFIGS, benchBagBounds } from "./configs.js";
import { DIST_STEP_KIND } from "./dist-run.js";
import { median } from "./report.js";
import { summarize } from "./stats.js";
import { benchBatches } from "./step-run.js";
import type { DistStepResult } from "./types.js";

/** Parsed arguments of one job. */
export interface DistStepArgs {
  config: string;
  backend: string;
  mode: ExecutionMode;
  dtype: Precision;
  iterations: number;
  warmup: number;
  /** 0: the backend's default. */
  threads: number;
  /** MPI watchdog per collective (0: off). */
  timeoutMs: number;
  /** How the tables are placed over the ranks (`planForSource`'s sharding); unused at N = 1. */
  sharding: ShardingChoice;
}

/**
 * Figures kept per measured step, per rank: step, upload, forward, backward, a2a ms waited,
 * a2a bytes, allreduce ms waited, allreduce bytes, a2a ms running, allreduce ms running.
 */
const COLUMNS = 10;

function int(flag: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min}, got "${v}"`);
  return n;
}

/** dist-step.js's command line. */
export function parseDistStepArgs(argv: readonly string[]): DistStepArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: "string" },
      backend: { type: "string" },
      mode: { type: "string" },
      dtype: { type: "string" },
      iterations: { type: "string" },
      warmup: { type: "string" },
      threads: { type: "string" },
      "timeout-ms": { type: "string" },
      sharding: { type: "string" },
    },
    strict: true,
  });
  if (values.config === undefined || BENCH_CONFIGS[values.config] === undefined) {
    throw new Error(
      `--config: expected one of ${Object.keys(BENCH_CONFIGS).join(", ")}, got ${values.config ?? "nothing"}`,
    );
  }
  if (values.backend === undefined) throw new Error("--backend: expected a backend name");
  const mode = values.mode ?? "eager";
  if (mode !== "eager" && mode !== "lazy") throw new Error(`--mode: expected eager or lazy, got "${mode}"`);
  const dtype = values.dtype ?? "fp32";
  if (dtype !== "fp32" && dtype !== "bf16") throw new Error(`--dtype: expected fp32 or bf16, got "${dtype}"`);
  const sharding = values.sharding ?? "auto";
  if (!(SHARDING_CHOICES as readonly string[]).includes(sharding))
    throw new Error(`--sharding: expected one of ${SHARDING_CHOICES.join(", ")}, got "${sharding}"`);
  return {
    config: values.config,
    backend: values.backend,
    mode,
    dtype,
    iterations: int("--iterations", values.iterations, 20, 1),
    warmup: int("--warmup", values.warmup, 3, 0),
    threads: int("--threads", values.threads, 0, 0),
    timeoutMs: int("--timeout-ms", values["timeout-ms"], 0, 0),
    sharding: sharding as ShardingChoice,
  };
}

/** Whether mpirun started this process (Open MPI's or PMIx's rank variables). */
function underMpirun(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env["OMPI_COMM_WORLD_SIZE"] ?? "") !== "" || (env["PMIX_RANK"] ?? "") !== "";
}

/** The part of @dlrm/comm-mpi this script uses (imported at run time, only under mpirun). */
interface MpiModule {
  MpiCommunicator: { create(options: { timeoutMs?: number }): Promise<Communicator> };
}
const COMM_MPI: string = "@dlrm/comm-mpi";

/** One process's collectives: none. */
const NO_COMM: CommCounters = {
  indexMs: 0,
  indexBytes: 0,
  indexBusyMs: 0,
  allToAllMs: 0,
  allToAllBytes: 0,
  allToAllBusyMs: 0,
  allReduceMs: 0,
  allReduceBytes: 0,
  allReduceBusyMs: 0,
};

/** Per kind, how many tables the plan places that way (one process: every table whole, table-wise). */
export function shardKindCounts(plan: ShardingPlan | undefined, tables: number): Partial<Record<ShardKind, number>> {
  if (plan === undefined) return { table: tables };
  const out: Partial<Record<ShardKind, number>> = {};
  for (const p of plan.placements) out[p.kind] = (out[p.kind] ?? 0) + 1;
  return out;
}

/** 1 - waited / running, clamped to [0, 1]; null when no collective ran. */
export function overlapOf(waitedMs: number, busyMs: number): number | null {
  if (!(busyMs > 0)) return null;
  return Math.min(1, Math.max(0, 1 - waitedMs / busyMs));
}

/**
 * Runs the job on this process; resolves to the result on rank 0 (undefined on the others).
 * `comm` is undefined at world size 1 (the plain single-process step).
 */
export async function runDistStep(
  a: DistStepArgs,
  comm: Communicator | undefined,
): Promise<DistStepResult | undefined> {
  const c = BENCH_CONFIGS[a.config]!;
  const factory = BACKENDS.find((f) => f.name === a.backend);
  if (factory === undefined)
    throw new Error(`--backend: unknown backend "${a.backend}" (known: ${BACKENDS.map((f) => f.name).join(", ")})`);
  const reason = await factory.unavailableReason();
  if (reason !== undefined) throw new Error(`${a.backend} is unavailable: ${reason}`);
  const worldSize = comm?.worldSize ?? 1;
  const rank = comm?.rank ?? 0;
  let backend: Backend | undefined;
  try {
    backend = await factory.create({ mode: a.mode, ...(a.threads > 0 ? { threads: a.threads } : {}) });
    const be = backend;
    if (!be.info.precisions.includes(a.dtype)) throw new Error(`${a.backend} does not implement ${a.dtype}`);
    const cfg = { ...c.train, mode: a.mode, precision: a.dtype };
    const plan = worldSize > 1 ? planForSource(cfg, benchBagBounds(c), worldSize, { sharding: a.sharding }) : undefined;
    const model = buildModel(be, cfg, benchBagBounds(c), worldSize > 1 ? comm : undefined, plan);
    model.loadInitialWeights();
    const hybrid = model.shard === undefined ? undefined : new HybridStep(model);
    const uploader = new BatchUploader(be, model);
    const batches = benchBatches(c);
    const lr = cfg.learningRate;
    const eager = a.mode === "eager";
    const rows = new Float64Array(a.iterations * COLUMNS);
    let i = 0;
    const step = async (record: number): Promise<void> => {
      const batch = batches[i++ % batches.length]!;
      const t0 = performance.now();
      if (hybrid !== undefined) await hybrid.upload(uploader, batch);
      else uploader.upload(batch);
      if (eager) await be.sync();
      const t1 = performance.now();
      if (hybrid !== undefined) await hybrid.forward();
      else model.forward();
      if (eager) await be.sync();
      const t2 = performance.now();
      if (hybrid !== undefined) await hybrid.backwardAndUpdate(lr, false);
      else model.backwardAndUpdate(lr);
      be.markStep();
      await be.sync();
      const t3 = performance.now();
      const k = hybrid?.takeCounters() ?? NO_COMM;
      if (record < 0) return;
      rows.set(
        [
          t3 - t0,
          t1 - t0,
          t2 - t1,
          t3 - t2,
          k.indexMs + k.allToAllMs,
          k.indexBytes + k.allToAllBytes,
          k.allReduceMs,
          k.allReduceBytes,
          k.indexBusyMs + k.allToAllBusyMs,
          k.allReduceBusyMs,
        ],
        record * COLUMNS,
      );
    };
    for (let w = 0; w < a.warmup; w++) await step(-1);
    model.resetStats();
    await comm?.barrier();
    for (let it = 0; it < a.iterations; it++) await step(it);
    // Every rank's figures, then per step the slowest rank's.
    let all = rows;
    if (comm !== undefined && worldSize > 1) {
      all = new Float64Array(rows.length * worldSize);
      await comm.allGatherV(rows, all, new Array<number>(worldSize).fill(rows.length));
    }
    if (rank !== 0) return undefined;
    const col = (j: number): number[] =>
      Array.from({ length: a.iterations }, (_, it) => {
        let m = -Infinity;
        for (let r = 0; r < worldSize; r++) m = Math.max(m, all[r * rows.length + it * COLUMNS + j]!);
        return m;
      });
    // Overlap over every rank: per step, and over all steps (summed waited / summed running).
    const at = (r: number, it: number, j: number): number => all[r * rows.length + it * COLUMNS + j]!;
    let waitedAll = 0;
    let busyAll = 0;
    let waitedA2a = 0;
    let busyA2a = 0;
    let waitedAr = 0;
    let busyAr = 0;
    const perStep: number[] = [];
    for (let it = 0; it < a.iterations; it++) {
      let w = 0;
      let b = 0;
      for (let r = 0; r < worldSize; r++) {
        waitedA2a += at(r, it, 4);
        waitedAr += at(r, it, 6);
        busyA2a += at(r, it, 8);
        busyAr += at(r, it, 9);
        w += at(r, it, 4) + at(r, it, 6);
        b += at(r, it, 8) + at(r, it, 9);
      }
      waitedAll += w;
      busyAll += b;
      const o = overlapOf(w, b);
      if (o !== null) perStep.push(o);
    }
    const samplesMs = col(0);
    return {
      kind: DIST_STEP_KIND,
      config: c.name,
      backend: a.backend,
      device: be.info.device,
      mode: a.mode,
      worldSize,
      threads: a.threads > 0 ? a.threads : null,
      iterations: a.iterations,
      warmup: a.warmup,
      samplesMs,
      timing: summarize(samplesMs),
      phases: eager ? { uploadMs: median(col(1)), forwardMs: median(col(2)), backwardUpdateMs: median(col(3)) } : null,
      allToAllMs: median(col(4)),
      allToAllBytes: median(col(5)),
      allReduceMs: median(col(6)),
      allReduceBytes: median(col(7)),
      allToAllBusyMs: median(col(8)),
      allReduceBusyMs: median(col(9)),
      overlapMedian: perStep.length === 0 ? null : median(perStep),
      overlapOverall: overlapOf(waitedAll, busyAll),
      allToAllOverlap: overlapOf(waitedA2a, busyA2a),
      allReduceOverlap: overlapOf(waitedAr, busyAr),
      sharding: a.sharding,
      shardKinds: shardKindCounts(plan, c.train.model.tableRows.length),
    };
  } finally {
    backend?.dispose();
  }
}

/** The script: one rank (or the single process), printing rank 0's JSON line. */
async function main(): Promise<void> {
  let comm: Communicator | undefined;
  try {
    const args = parseDistStepArgs(process.argv.slice(2));
    if (underMpirun()) {
      const { MpiCommunicator } = (await import(COMM_MPI)) as MpiModule;
      comm = await MpiCommunicator.create({ timeoutMs: args.timeoutMs });
    }
    const result = await runDistStep(args, comm);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
    await comm?.close();
    process.exit(0);
  } catch (e) {
    const prefix = comm !== undefined && comm.worldSize > 1 ? `rank ${comm.rank}: ` : "";
    process.stderr.write(`dist-step: error: ${prefix}${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env["DLRM_DEBUG"] === "1" && e instanceof Error && e.stack !== undefined)
      process.stderr.write(`${e.stack}\n`);
    if (comm !== undefined && comm.worldSize > 1) comm.abort(1);
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
