/**
 * `dlrm bench --world-size 1,2`: the multi-process training step per world size N, backend
 * and mode, beside PyTorch's hybrid-parallel step at the same N. Every job is a child process:
 * ours is `mpirun <mpirunArgs> node dist-step.js ...` (at N = 1 `node dist-step.js` alone, the
 * plain single-process step), PyTorch's is `/usr/bin/python3 tools/torch/torch_dlrm_dist.py
 * --world-size N ...` (it spawns its ranks itself). Rounds interleave them as the
 * single-process bench does: in every round, per N, PyTorch first, then every backend and mode.
 * Every child has a time limit; past it its whole process group is killed (SIGTERM, then
 * SIGKILL) and the job is reported failed with the limit named. Rows carry the median over
 * rounds and the ratio ours / PyTorch's at the same N (torch-ratio.ts).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import {
  backendLabel,
  estimateMemory,
  type BackendFactory,
  type ExecutionMode,
  type Precision,
  type ShardingChoice,
} from "@dlrm/core";
import { benchBagBounds, torchFlags, type BenchConfig } from "./configs.js";
import { backendVersion, gitCommit, machineInfo } from "./environment.js";
import { stepFlops } from "./flops.js";
import { median } from "./report.js";
import { summarize } from "./stats.js";
import { torchRatio } from "./torch-ratio.js";
import { defaultTorchScript, TORCH_PYTHON, torchScriptUnavailable } from "./torch-runner.js";
import type { BackendEntry, BenchReport, DistStepResult, DistStepRow, DistTorchRow, PhaseSplit } from "./types.js";

/** The kind tag of the JSON line dist-step.js's rank 0 prints. */
export const DIST_STEP_KIND = "dlrm-dist-step";

/** dist-step.js, compiled beside this file (from src/ under vitest: the built one in dist/). */
export const DIST_STEP_SCRIPT = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "../dist/dist-step.js" : "./dist-step.js", import.meta.url),
);

/** torch_dlrm_dist.py: tools/torch/ in this repository, else ../shared/tools/. */
export const DEFAULT_TORCH_DIST_SCRIPT = defaultTorchScript("torch_dlrm_dist.py");

/** Default time limit of one child job (ours or PyTorch's), ms. */
export const DEFAULT_JOB_TIMEOUT_MS = 300_000;

/** How a child process ended. */
export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A child that ran past its time limit (it has been killed). */
export class JobTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly command: string,
    readonly output: string,
  ) {
    super(
      `${what} did not finish within ${timeoutMs / 1000} s and was killed (SIGTERM to its process group, SIGKILL 5 s later): ${command}${output === "" ? "" : `; last output: ${output}`}`,
    );
    this.name = "JobTimeoutError";
  }
}

/** The last non-empty line of `text`. */
const lastLine = (text: string): string => text.trim().split("\n").pop() ?? "";

/**
 * Runs `command args` in its own process group with a time limit: past `timeoutMs` the group
 * gets SIGTERM (mpirun forwards it to its ranks; PyTorch's spawned ranks share the group),
 * SIGKILL 5 s later, and the promise rejects with a JobTimeoutError. The group is killed too
 * if this process exits first.
 */
export function runChild(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; what: string },
): Promise<ChildResult> {
  const start = performance.now();
  const line = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const onExit = (): void => killGroup("SIGKILL");
    process.once("exit", onExit);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let hard: NodeJS.Timeout | undefined;
    const term = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      hard = setTimeout(() => killGroup("SIGKILL"), 5000);
    }, opts.timeoutMs);
    const done = (): void => {
      clearTimeout(term);
      if (hard !== undefined) clearTimeout(hard);
      process.off("exit", onExit);
    };
    child.once("error", (e) => {
      done();
      reject(new Error(`${opts.what}: cannot start ${command}: ${e.message}`));
    });
    child.once("close", (status, signal) => {
      done();
      // Whatever is left of the group (a rank that outlived mpirun) goes too.
      killGroup("SIGKILL");
      if (timedOut) reject(new JobTimeoutError(opts.what, opts.timeoutMs, line, lastLine(stderr) || lastLine(stdout)));
      else resolve({ status, signal, stdout, stderr, ms: performance.now() - start });
    });
  });
}

/** The JSON line dist-step.js's rank 0 prints (the last such line), or undefined. */
export function parseDistStepLine(stdout: string): DistStepResult | undefined {
  const lines = stdout.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (!l.startsWith("{")) continue;
    try {
      const v = JSON.parse(l) as Partial<DistStepResult>;
      if (
        v.kind === DIST_STEP_KIND &&
        Array.isArray(v.samplesMs) &&
        typeof v.worldSize === "number" &&
        v.timing !== undefined
      )
        return v as DistStepResult;
    } catch {
      // not our line
    }
  }
  return undefined;
}

/** What torch_dlrm_dist.py's rank 0 printed: the last `world_size= threads= median_ms_per_it=` line and `phases_ms`. */
export interface TorchDistOutput {
  worldSize: number;
  threads: number;
  medianMs: number;
  /** emb_fwd, a2a_fwd, mlp_fwd, bwd, a2a_bwd, allreduce, opt (rank 0's medians, ms); empty when the line is missing. */
  phasesMs: Record<string, number>;
}

/** Parses torch_dlrm_dist.py's output; undefined without a valid final line. */
export function parseTorchDist(stdout: string): TorchDistOutput | undefined {
  const finals = [...stdout.matchAll(/world_size=(\d+)\s+threads=(\d+)\s+median_ms_per_it=([0-9.eE+-]+)/g)];
  const m = finals[finals.length - 1];
  if (m === undefined) return undefined;
  const medianMs = Number(m[3]);
  if (!Number.isFinite(medianMs) || medianMs <= 0) return undefined;
  const phasesMs: Record<string, number> = {};
  const p = [...stdout.matchAll(/^phases_ms (.*)$/gm)].pop();
  if (p !== undefined) {
    for (const kv of p[1]!.trim().split(/\s+/)) {
      const [k, v] = kv.split("=");
      const x = Number(v);
      if (k !== undefined && k !== "" && Number.isFinite(x)) phasesMs[k] = x;
    }
  }
  return { worldSize: Number(m[1]), threads: Number(m[2]), medianMs, phasesMs };
}

/** PyTorch's hybrid-parallel step at one world size; `dlrm bench --world-size` calls it once per round and N. */
export interface DistTorchRunner {
  readonly command: string;
  unavailableReason(): string | undefined;
  run(config: BenchConfig, worldSize: number, iterations: number, warmup: number): Promise<TorchDistOutput>;
}

/** A runner that never runs (`--torch none`). */
export function noDistTorch(reason: string): DistTorchRunner {
  return { command: "none", unavailableReason: () => reason, run: () => Promise.reject(new Error(reason)) };
}

/** torch_dlrm_dist.py run by `python`, each run limited to `timeoutMs`. */
export function pythonTorchDistRunner(
  script: string = DEFAULT_TORCH_DIST_SCRIPT,
  python: string = TORCH_PYTHON,
  timeoutMs = DEFAULT_JOB_TIMEOUT_MS,
): DistTorchRunner {
  let checked: { reason: string | undefined } | undefined;
  return {
    command: `${python} ${script}`,
    unavailableReason() {
      checked ??= { reason: torchScriptUnavailable(script, python) };
      return checked.reason;
    },
    async run(config, worldSize, iterations, warmup) {
      const args = [
        script,
        "--world-size",
        String(worldSize),
        ...torchFlags(config, iterations),
        "--warmup",
        String(warmup),
      ];
      const r = await runChild(python, args, { timeoutMs, what: `PyTorch at N=${worldSize}` });
      const out = parseTorchDist(r.stdout);
      if (out === undefined)
        throw new Error(
          `torch_dlrm_dist.py at N=${worldSize} gave no median (exit ${r.status ?? r.signal}): ${lastLine(r.stderr) || lastLine(r.stdout)}`,
        );
      return out;
    },
  };
}

/** One of our jobs. */
export interface DistJob {
  config: BenchConfig;
  precision: Precision;
  backend: string;
  mode: ExecutionMode;
  worldSize: number;
  iterations: number;
  warmup: number;
  /** Threads per rank for the backend; null: its default. */
  threads: number | null;
  /** `--sharding`: how the tables are placed over the ranks. */
  sharding: ShardingChoice;
}

/** Runs one of our jobs; tests may inject another. */
export interface DistStepRunner {
  /** Why world size `n` cannot run here (e.g. no MPI for n > 1); undefined when it can. */
  unavailableReason(n: number): Promise<string | undefined>;
  run(job: DistJob): Promise<DistStepResult>;
}

/** The part of @dlrm/comm-mpi the runner uses (imported at run time). */
interface MpiLaunch {
  findMpirun(): string | undefined;
  mpirunArgs(o: { np: number; asRoot: boolean; oversubscribe: boolean }): string[];
  runningAsRoot(): boolean;
  MPIRUN_ROOT_ENV: Readonly<Record<string, string>>;
  mpiAvailable(): { ok: true } | { ok: false; reason: string };
}
const COMM_MPI: string = "@dlrm/comm-mpi";
const INSTALL_MPI =
  "install Open MPI (apt-get install openmpi-bin libopenmpi-dev, or bash scripts/install-native-deps.sh), then npm run build -w @dlrm/comm-mpi";

async function loadMpi(): Promise<{ mod?: MpiLaunch; reason?: string }> {
  let mod: MpiLaunch;
  try {
    mod = (await import(COMM_MPI)) as MpiLaunch;
  } catch (e) {
    return { reason: `@dlrm/comm-mpi does not load (${e instanceof Error ? e.message : String(e)}); ${INSTALL_MPI}` };
  }
  if (mod.findMpirun() === undefined) return { reason: `no mpirun on PATH; ${INSTALL_MPI}` };
  const a = mod.mpiAvailable();
  if (!a.ok) return { reason: `the Open MPI addon does not load (${a.reason}); ${INSTALL_MPI}` };
  return { mod };
}

/** The process runner: `node dist-step.js` at N = 1, `mpirun ... node dist-step.js` above. */
export function processDistStepRunner(timeoutMs = DEFAULT_JOB_TIMEOUT_MS, script = DIST_STEP_SCRIPT): DistStepRunner {
  return {
    async unavailableReason(n) {
      if (!existsSync(script)) return `${script} is missing: run npm run build -w @dlrm/bench`;
      return n > 1 ? (await loadMpi()).reason : undefined;
    },
    async run(job) {
      const args = [
        script,
        "--config",
        job.config.name,
        "--backend",
        job.backend,
        "--mode",
        job.mode,
        "--dtype",
        job.precision,
        "--iterations",
        String(job.iterations),
        "--warmup",
        String(job.warmup),
        "--threads",
        String(job.threads ?? 0),
        "--timeout-ms",
        String(timeoutMs),
        "--sharding",
        job.sharding,
      ];
      const what = `${job.backend} (${job.mode}) at N=${job.worldSize}`;
      let r: ChildResult;
      if (job.worldSize === 1) {
        r = await runChild(process.execPath, args, { timeoutMs, what });
      } else {
        const { mod, reason } = await loadMpi();
        if (mod === undefined) throw new Error(`--world-size ${job.worldSize}: ${reason}`);
        const asRoot = mod.runningAsRoot();
        const mpiArgs = [
          ...mod.mpirunArgs({ np: job.worldSize, asRoot, oversubscribe: false }),
          process.execPath,
          ...args,
        ];
        r = await runChild(mod.findMpirun()!, mpiArgs, {
          timeoutMs,
          what,
          env: { ...process.env, ...(asRoot ? mod.MPIRUN_ROOT_ENV : {}) },
        });
      }
      const result = parseDistStepLine(r.stdout);
      if (result === undefined || r.status !== 0) {
        const err =
          r.stderr.split("\n").find((l) => l.includes("dist-step: error")) ??
          (lastLine(r.stderr) || lastLine(r.stdout));
        throw new Error(`${what} exited ${r.status ?? r.signal} without a result: ${err}`);
      }
      return result;
    },
  };
}

/** What to run. */
export interface DistBenchOptions {
  config: BenchConfig;
  precision: Precision;
  factories: readonly BackendFactory[];
  modes: readonly ExecutionMode[];
  worldSizes: readonly number[];
  iterations: number;
  warmup: number;
  rounds?: number;
  /** How our jobs place the tables (default auto: the planner's choice per table). */
  sharding?: ShardingChoice;
  /** PyTorch's hybrid-parallel step; absent: not measured. */
  torch?: DistTorchRunner;
  /** Our jobs (default: processDistStepRunner()). */
  runner?: DistStepRunner;
  /** Threads per rank at world size n (default: the backend's default at 1, else max(1, floor(cores / n)), as PyTorch's 1 per rank on 2 cores). */
  threadsFor?: (n: number) => number | null;
  onProgress?(line: string): void;
}

/** Threads per rank: the default at N = 1; cores / N (at least 1) above, so N ranks do not oversubscribe the cores. */
export function defaultThreadsFor(n: number, cores = availableParallelism()): number | null {
  return n === 1 ? null : Math.max(1, Math.floor(cores / n));
}

/** How the --world-size figures are measured, written into the report. */
export const DIST_METHOD_NOTES = [
  "ms/step (--world-size): each job is `mpirun -np N node dist-step.js` (N = 1: one plain process, no mpirun); every rank builds its part of the model (buildModel with the MPI communicator), replays pre-generated random global batches and times whole steps: upload (incl. this rank's slice and its tables' bags) + forward (incl. the pooled all-to-all) + backward and updates (incl. the reverse all-to-all and the MLP all-reduce) + markStep + await sync; warm-up steps, a barrier, then the measured steps; each step counts as its slowest rank's (gathered at the end); median with min/p25/p75/max",
  "all-to-all / all-reduce: HybridStep.takeCounters() per step (waited: ms the step waited for the collective, peers included, beyond the compute it overlaps; busy: ms from the collective's start to its end; bytes sent by the rank to other ranks), the max over ranks per step, median over steps; zero at N = 1",
  "overlap: 1 - waited / busy, both summed over every rank and both kinds: the median over steps of each step's figure, and overall (sums over every measured step); 1 means the collectives ran entirely behind compute, 0 that the step waited for all of their running time; none at N = 1",
  "plan: --sharding (auto: the planner's choice per table) through planForSource at each N > 1, with the count of tables per kind; at N = 1 one process holds every table whole",
  "PyTorch's torch_dlrm_dist.py places tables table-wise only (rank r holds a contiguous slice of the table list); it needs at least one table per rank, so a model with fewer tables than ranks does not run there and its row says why",
  "split (eager): upload, forward and backward + updates each end with await backend.sync(); medians of the slowest rank's phase",
  "PyTorch: tools/torch/torch_dlrm_dist.py --world-size N (gloo on 127.0.0.1, one thread per rank at N > 1) with the same configuration, iterations and warm-up, rank 0's median step; per round and N it runs first, then our backends and modes; x PyTorch = our ms / PyTorch's at the same N (below 1: faster), as the ratio of the medians over rounds and the median of per-round ratios",
  "threads: ours get max(1, floor(cores / N)) threads per rank at N > 1 (the backend's default at N = 1), as PyTorch's script does on these 2-core machines",
];

interface RowAcc {
  backend: string;
  mode: ExecutionMode;
  worldSize: number;
  threads: number | null;
  device: string;
  samples: number[];
  roundsMs: number[];
  comm: { allToAllMs: number[]; allToAllBytes: number[]; allReduceMs: number[]; allReduceBytes: number[] };
  busy: { allToAllBusyMs: number[]; allReduceBusyMs: number[] };
  overlap: { median: number[]; overall: number[]; allToAll: number[]; allReduce: number[] };
  shardKinds: DistStepResult["shardKinds"];
  phases: PhaseSplit[];
}

/** Median of the non-null values; null when there are none. */
const medianOrNull = (xs: readonly number[]): number | null => (xs.length === 0 ? null : median(xs));
const pushIf = (xs: number[], x: number | null | undefined): void => {
  if (typeof x === "number" && Number.isFinite(x)) xs.push(x);
};

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

/** Runs the multi-process benchmark; the report's `distributed` section holds the figures. */
export async function runDistBench(o: DistBenchOptions): Promise<BenchReport> {
  const progress = o.onProgress ?? (() => undefined);
  const rounds = o.rounds ?? 1;
  const sharding = o.sharding ?? "auto";
  const runner = o.runner ?? processDistStepRunner();
  const threadsFor = o.threadsFor ?? ((n: number) => defaultThreadsFor(n));
  const config = { ...o.config, train: { ...o.config.train, precision: o.precision } };
  for (const n of o.worldSizes) {
    if (config.train.batchSize % n !== 0)
      throw new Error(
        `--world-size ${n}: the ${config.name} batch ${config.train.batchSize} does not divide evenly over ${n} ranks`,
      );
    const reason = await runner.unavailableReason(n);
    if (reason !== undefined) throw new Error(`--world-size ${n} cannot run here: ${reason}`);
  }
  const backends: BackendEntry[] = [];
  const available: BackendFactory[] = [];
  for (const f of o.factories) {
    const reason = await f.unavailableReason();
    if (reason === undefined) available.push(f);
    else {
      backends.push({ name: f.name, status: "skipped", reason, version: backendVersion(f.name) });
      progress(`bench: ${f.name}: skipped: ${reason}`);
    }
  }
  const torchReason = o.torch === undefined ? "no PyTorch runner" : o.torch.unavailableReason();
  if (torchReason !== undefined) progress(`bench: PyTorch not measured: ${torchReason}`);
  const torchRounds = new Map<
    number,
    { ms: (number | null)[]; errors: string[]; threads?: number; phases: Record<string, number>[] }
  >();
  const rows = new Map<string, RowAcc>();
  const failed = new Set<string>();
  const failures: string[] = [];
  const errorsOf = new Map<string, string[]>();
  const devices = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    const tag = rounds > 1 ? ` [round ${round + 1}/${rounds}]` : "";
    for (const n of o.worldSizes) {
      if (o.torch !== undefined && torchReason === undefined) {
        const t = torchRounds.get(n) ?? { ms: [], errors: [], phases: [] };
        torchRounds.set(n, t);
        progress(
          `bench: ${config.name} N=${n} step on PyTorch, ${o.warmup} warm-up + ${o.iterations} iterations${tag}`,
        );
        try {
          const out = await o.torch.run(config, n, o.iterations, o.warmup);
          t.ms.push(out.medianMs);
          t.threads = out.threads;
          t.phases.push(out.phasesMs);
        } catch (e) {
          t.ms.push(null);
          t.errors.push(`round ${round + 1}: ${e instanceof Error ? e.message : String(e)}`);
          progress(`bench: PyTorch N=${n} FAILED: ${t.errors[t.errors.length - 1]}`);
        }
      }
      for (const f of available) {
        for (const mode of o.modes) {
          const key = `${f.name}|${mode}|${n}`;
          if (failed.has(key)) continue;
          const threads = threadsFor(n);
          progress(
            `bench: ${config.name} N=${n} step on ${f.name} (${mode}${threads === null ? "" : `, ${threads} thread${threads === 1 ? "" : "s"}/rank`}), ${o.warmup} warm-up + ${o.iterations} iterations${tag}`,
          );
          try {
            const r = await runner.run({
              config,
              precision: o.precision,
              backend: f.name,
              mode,
              worldSize: n,
              iterations: o.iterations,
              warmup: o.warmup,
              threads,
              sharding,
            });
            const row = rows.get(key) ?? {
              backend: f.name,
              mode,
              worldSize: n,
              threads,
              device: r.device,
              samples: [],
              roundsMs: [],
              comm: { allToAllMs: [], allToAllBytes: [], allReduceMs: [], allReduceBytes: [] },
              busy: { allToAllBusyMs: [], allReduceBusyMs: [] },
              overlap: { median: [], overall: [], allToAll: [], allReduce: [] },
              shardKinds: r.shardKinds,
              phases: [],
            };
            rows.set(key, row);
            devices.set(f.name, r.device);
            row.samples.push(...r.samplesMs);
            row.roundsMs.push(r.timing.medianMs);
            row.comm.allToAllMs.push(r.allToAllMs);
            row.comm.allToAllBytes.push(r.allToAllBytes);
            row.comm.allReduceMs.push(r.allReduceMs);
            row.comm.allReduceBytes.push(r.allReduceBytes);
            pushIf(row.busy.allToAllBusyMs, r.allToAllBusyMs);
            pushIf(row.busy.allReduceBusyMs, r.allReduceBusyMs);
            pushIf(row.overlap.median, r.overlapMedian);
            pushIf(row.overlap.overall, r.overlapOverall);
            pushIf(row.overlap.allToAll, r.allToAllOverlap);
            pushIf(row.overlap.allReduce, r.allReduceOverlap);
            if (r.phases !== null) row.phases.push(r.phases);
          } catch (e) {
            failed.add(key);
            const msg = `${f.name} (${mode}) N=${n}, round ${round + 1}: ${e instanceof Error ? e.message : String(e)}`;
            failures.push(msg);
            errorsOf.set(f.name, [...(errorsOf.get(f.name) ?? []), msg]);
            progress(`bench: FAILED: ${msg}`);
          }
        }
      }
    }
  }
  const torch: DistTorchRow[] = o.worldSizes.map((n) => {
    if (o.torch === undefined || torchReason !== undefined)
      return {
        worldSize: n,
        status: "not-measured",
        reason: torchReason ?? "no PyTorch runner",
        roundsMs: [],
        medianMs: null,
      };
    const t = torchRounds.get(n)!;
    const ran = t.ms.filter((x): x is number => x !== null);
    const phaseNames = [...new Set(t.phases.flatMap((p) => Object.keys(p)))];
    const phasesMs = Object.fromEntries(
      phaseNames.map((k) => [k, median(t.phases.flatMap((p) => (p[k] === undefined ? [] : [p[k]!])))]),
    );
    const row: DistTorchRow = {
      worldSize: n,
      status: ran.length > 0 ? "ran" : "not-measured",
      command: o.torch.command,
      roundsMs: t.ms,
      medianMs: ran.length > 0 ? median(ran) : null,
      ...(t.threads === undefined ? {} : { threads: t.threads }),
      ...(phaseNames.length > 0 ? { phasesMs } : {}),
    };
    return t.errors.length > 0 ? { ...row, reason: t.errors.join("; ") } : row;
  });
  const out: DistStepRow[] = [];
  for (const n of o.worldSizes) {
    const t = torch.find((x) => x.worldSize === n)!;
    for (const f of available) {
      for (const mode of o.modes) {
        const row = rows.get(`${f.name}|${mode}|${n}`);
        if (row === undefined) continue;
        const timing = { ...summarize(row.samples), medianMs: median(row.roundsMs) };
        out.push({
          backend: row.backend,
          mode: row.mode,
          worldSize: n,
          threads: row.threads,
          device: row.device,
          timing,
          roundsMs: row.roundsMs,
          samplesPerSecond: (config.train.batchSize * 1000) / timing.medianMs,
          allToAllMs: median(row.comm.allToAllMs),
          allToAllBytes: median(row.comm.allToAllBytes),
          allReduceMs: median(row.comm.allReduceMs),
          allReduceBytes: median(row.comm.allReduceBytes),
          allToAllBusyMs: medianOrNull(row.busy.allToAllBusyMs) ?? 0,
          allReduceBusyMs: medianOrNull(row.busy.allReduceBusyMs) ?? 0,
          overlapMedian: medianOrNull(row.overlap.median),
          overlapOverall: medianOrNull(row.overlap.overall),
          allToAllOverlap: medianOrNull(row.overlap.allToAll),
          allReduceOverlap: medianOrNull(row.overlap.allReduce),
          sharding,
          shardKinds: row.shardKinds ?? {},
          phases:
            row.phases.length === 0
              ? null
              : {
                  uploadMs: median(row.phases.map((p) => p.uploadMs)),
                  forwardMs: median(row.phases.map((p) => p.forwardMs)),
                  backwardUpdateMs: median(row.phases.map((p) => p.backwardUpdateMs)),
                },
          vsTorch: torchRatio(row.roundsMs, t.roundsMs),
        });
      }
    }
  }
  for (const f of available) {
    const errors = errorsOf.get(f.name);
    const entry: BackendEntry = {
      name: f.name,
      status: errors === undefined ? "ran" : "failed",
      version: backendVersion(f.name),
      device: devices.get(f.name) ?? "",
    };
    backends.push(errors === undefined ? entry : { ...entry, reason: errors.join("; ") });
  }
  return {
    kind: "dlrm-bench",
    schema: 1,
    createdAt: new Date().toISOString(),
    config: config.name,
    batchSize: config.train.batchSize,
    dtype: o.precision,
    iterations: o.iterations,
    warmup: o.warmup,
    rounds,
    machine: machineInfo(),
    commit: gitCommit(),
    backends: backends.map((b) => ({ ...b, label: backendLabel(b.name) })),
    peak: null,
    flopsPerStep: stepFlops(config.train),
    estimatedModelBytes: estimateMemory(config.train, benchBagBounds(config)).totalBytes,
    steps: [],
    micro: [],
    peakRssBytes: maxRss(),
    notes: DIST_METHOD_NOTES,
    distributed: { worldSizes: [...o.worldSizes], sharding, rows: out, torch, failures },
  };
}
