/**
 * One `dlrm bench` run: the GEMM peak, then `rounds` rounds, each running PyTorch's step once
 * and then every backend's eager step (with its phase split) and lazy step; in the last round
 * the eager model also gets the per-op micro-benchmarks and the op-category split. Collected
 * into a BenchReport with the machine, the commit and each backend's version; rows carry medians
 * over rounds and their ratio to PyTorch. A backend that fails (e.g. a Medium model that does
 * not fit) is reported as failed with the error; PyTorch missing is reported, not a failure.
 */
import {
  backendLabel,
  estimateMemory,
  type Backend,
  type BackendFactory,
  type ExecutionMode,
  type Precision,
} from "@dlrm/core";
import { benchBagBounds, type BenchConfig } from "./configs.js";
import { backendVersion, gitCommit, machineInfo } from "./environment.js";
import { gflopsOf, stepFlops } from "./flops.js";
import { runMicro } from "./micro.js";
import { measureOpSplit } from "./op-split.js";
import { measurePeak } from "./peak.js";
import { median } from "./report.js";
import { summarize } from "./stats.js";
import { benchBatches, measureStep } from "./step-run.js";
import type { TorchRunner } from "./torch-runner.js";
import { torchRatio } from "./torch-ratio.js";
import type { BackendEntry, BenchReport, MicroRow, OpSplit, PhaseSplit, StepRow, TorchResult } from "./types.js";

/** What to run. */
export interface BenchOptions {
  config: BenchConfig;
  /** fp32, or bf16 mixed precision (the config's GEMMs and dot interaction); backends without it are skipped. */
  precision: Precision;
  factories: readonly BackendFactory[];
  modes: readonly ExecutionMode[];
  iterations: number;
  warmup: number;
  /** Side of the square GEMM that measures the peak; 0 skips the peak. */
  peakSize: number;
  /** Micro-benchmarks per backend (eager); false skips them. */
  micro: boolean;
  /** The op-category split per backend (eager, last round); false skips it (default true). */
  opSplit?: boolean;
  /** Rounds (default 1): each runs PyTorch once, then every backend and mode. */
  rounds?: number;
  /** Runs PyTorch's step once per round; absent: PyTorch is not measured. */
  torch?: TorchRunner;
  /** Backends not to run, with the reason (e.g. the reference on Medium). */
  exclude?: ReadonlyMap<string, string>;
  onProgress?(line: string): void;
}

/** Bytes the backend says it holds, when it exposes `memoryInUse` (the wasm backend does). */
function backendBytes(backend: Backend): number | null {
  const v = (backend as unknown as { memoryInUse?: unknown }).memoryInUse;
  return typeof v === "number" ? v : null;
}

/** Process RSS high-water mark in bytes (maxRSS is in kilobytes). */
const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

/** How the figures are measured, written into every report. */
export const METHOD_NOTES = [
  "ms/iteration: tinybench samples of one training step (upload of a pre-generated random batch incl. host preprocessing, forward, backward + updates, markStep, await sync) after the warm-up steps; median with min/p25/p75/max",
  "GFLOP/s: GEMM FLOPs of the step from the config (2*M*N*K per GEMM: each layer's forward, weight-gradient and input-gradient products; none for the first layer's input) / median time",
  "peak: always fp32; best of 10 calls (after 2 warm-up) of an N x N x N fp32 GEMM, A*B and A*B^T (the faster kept), on the gaudi backend (OpenBLAS, or oneDNN for A*B^T when built with it) when available, else the fastest available non-reference backend, measured in this run",
  "time split: eager mode only; each phase (upload, forward, backward + updates) ends with await backend.sync() and is timed with performance.now(); medians per phase",
  "op split: eager mode only, after the step timing of the last round; the op calls of one step (forward, backward + updates) are recorded through a Proxy around the backend, then replayed one at a time, each followed by await backend.sync() and timed with performance.now() (1 warm-up replay, then up to 5 measured; median per op), summed per category: gemm (gemm, linearForward), embedding (embeddingBags*, sparse*Step), interaction, optimizer (dense adagradStep/fusedAdagradStep/sgdStep), data (the whole upload: host preprocessing + writes), other (bias, relu, loss, fill); the sum exceeds the step since every op pays a sync",
  "rounds: each round runs PyTorch's step once (tools/torch/torch_dlrm_bench.py, else ../shared/tools/, fp32, same iterations and warm-up), then every backend and mode; ms/iteration is the median over rounds of each round's median, min-max over all samples; x PyTorch = our ms / PyTorch's ms (below 1: faster), as the ratio of the medians and as the median of per-round ratios",
  "memory: process RSS high-water mark (process.resourceUsage().maxRSS) after the row, cumulative over the run; backend bytes when the backend reports them (wasm: linear memory in use)",
];

/** What one backend and mode gathered over the rounds. */
interface RowAcc {
  backend: string;
  mode: ExecutionMode;
  samples: number[];
  roundsMs: number[];
  phases: PhaseSplit[];
  opSplit: OpSplit | null;
  maxRssBytes: number;
  backendBytes: number | null;
}

/** One backend's state over the rounds. */
interface BackendAcc {
  factory: BackendFactory;
  device: string;
  errors: string[];
  failedModes: Set<ExecutionMode>;
  unsupported?: string;
}

/** Median of each phase over the rounds; null when there are none (lazy). */
function phaseMedians(p: readonly PhaseSplit[]): PhaseSplit | null {
  if (p.length === 0) return null;
  return {
    uploadMs: median(p.map((x) => x.uploadMs)),
    forwardMs: median(p.map((x) => x.forwardMs)),
    backwardUpdateMs: median(p.map((x) => x.backwardUpdateMs)),
  };
}

/** PyTorch's rounds as a TorchResult. */
function torchResult(
  runner: TorchRunner | undefined,
  reason: string | undefined,
  roundsMs: (number | null)[],
  errors: readonly string[],
): TorchResult {
  if (runner === undefined || reason !== undefined)
    return { status: "not-measured", reason: reason ?? "no PyTorch runner", roundsMs: [], medianMs: null };
  const ran = roundsMs.filter((x): x is number => x !== null);
  const base = { command: runner.command, roundsMs, medianMs: ran.length > 0 ? median(ran) : null };
  if (ran.length === 0) return { status: "not-measured", reason: errors.join("; "), ...base };
  return errors.length > 0 ? { status: "ran", reason: errors.join("; "), ...base } : { status: "ran", ...base };
}

/** Runs the whole benchmark. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const o = {
    ...options,
    config: { ...options.config, train: { ...options.config.train, precision: options.precision } },
  };
  const progress = o.onProgress ?? (() => undefined);
  const rounds = o.rounds ?? 1;
  const backends: BackendEntry[] = [];
  const available: BackendFactory[] = [];
  for (const f of o.factories) {
    const reason = o.exclude?.get(f.name) ?? (await f.unavailableReason());
    if (reason === undefined) available.push(f);
    else {
      backends.push({ name: f.name, status: "skipped", reason, version: backendVersion(f.name) });
      progress(`bench: ${f.name}: skipped: ${reason}`);
    }
  }
  const r = { iterations: o.iterations, warmup: o.warmup };
  const peakRepeats = { iterations: 10, warmup: 2 };
  if (o.peakSize > 0) progress(`bench: measuring the GEMM peak (${o.peakSize}^3)`);
  const peak = o.peakSize > 0 ? await measurePeak(available, o.peakSize, peakRepeats) : null;
  const flops = stepFlops(o.config.train);
  const batches = benchBatches(o.config);
  const torchReason = o.torch === undefined ? "no PyTorch runner" : o.torch.unavailableReason();
  if (torchReason !== undefined) progress(`bench: PyTorch not measured: ${torchReason}`);
  const torchRounds: (number | null)[] = [];
  const torchErrors: string[] = [];
  const rows = new Map<string, RowAcc>();
  const states: BackendAcc[] = available.map((factory) => ({
    factory,
    device: "",
    errors: [],
    failedModes: new Set(),
  }));
  const micro: MicroRow[] = [];
  for (let round = 0; round < rounds; round++) {
    const last = round === rounds - 1;
    const tag = rounds > 1 ? ` [round ${round + 1}/${rounds}]` : "";
    if (o.torch !== undefined && torchReason === undefined) {
      progress(`bench: ${o.config.name} step on PyTorch, ${o.warmup} warm-up + ${o.iterations} iterations${tag}`);
      try {
        torchRounds.push(await o.torch.run(o.config, o.iterations, o.warmup));
      } catch (e) {
        torchRounds.push(null);
        torchErrors.push(`round ${round + 1}: ${e instanceof Error ? e.message : String(e)}`);
        progress(`bench: PyTorch FAILED: ${torchErrors[torchErrors.length - 1]}`);
      }
    }
    for (const st of states) {
      const f = st.factory;
      if (st.unsupported !== undefined) continue;
      for (const mode of o.modes) {
        if (st.failedModes.has(mode)) continue;
        progress(
          `bench: ${o.config.name} step on ${backendLabel(f.name)} (${mode}), ${o.warmup} warm-up + ${o.iterations} iterations${tag}`,
        );
        let backend: Backend | undefined;
        try {
          backend = await f.create({ mode });
          st.device = backend.info.device;
          if (!backend.info.precisions.includes(o.precision)) {
            st.unsupported = `${f.name} does not implement ${o.precision}`;
            progress(`bench: ${f.name}: skipped: ${st.unsupported}`);
            break;
          }
          const m = await measureStep(backend, o.config, batches, r);
          const key = `${f.name}|${mode}`;
          const row = rows.get(key) ?? {
            backend: f.name,
            mode,
            samples: [],
            roundsMs: [],
            phases: [],
            opSplit: null,
            maxRssBytes: 0,
            backendBytes: null,
          };
          rows.set(key, row);
          const roundMs = median(m.samples);
          row.samples.push(...m.samples);
          row.roundsMs.push(roundMs);
          if (m.phases !== null) row.phases.push(m.phases);
          row.maxRssBytes = maxRss();
          row.backendBytes = backendBytes(backend);
          if (last && o.micro && mode === "eager") {
            progress(`bench: micro-benchmarks on ${f.name}`);
            micro.push(...(await runMicro(m.model, r)));
          }
          if (last && (o.opSplit ?? true) && mode === "eager") {
            progress(`bench: op split on ${f.name}`);
            row.opSplit = await measureOpSplit(m.model, batches[0]!, o.config.train.learningRate, roundMs, {
              warmup: 1,
              repeats: Math.min(5, o.iterations),
            });
            row.maxRssBytes = maxRss();
          }
        } catch (e) {
          st.failedModes.add(mode);
          st.errors.push(`${mode}: ${e instanceof Error ? e.message : String(e)}`);
          progress(`bench: ${f.name} (${mode}) FAILED: ${st.errors[st.errors.length - 1]}`);
        } finally {
          backend?.dispose();
        }
      }
    }
  }
  const torch = torchResult(o.torch, torchReason, torchRounds, torchErrors);
  const steps: StepRow[] = [];
  for (const st of states) {
    const f = st.factory;
    for (const mode of o.modes) {
      const row = rows.get(`${f.name}|${mode}`);
      if (row === undefined) continue;
      const timing = { ...summarize(row.samples), medianMs: median(row.roundsMs) };
      const gflops = gflopsOf(flops, timing.medianMs);
      steps.push({
        backend: f.name,
        mode,
        timing,
        roundsMs: row.roundsMs,
        samplesPerSecond: (o.config.train.batchSize * 1000) / timing.medianMs,
        gflops,
        fractionOfPeak: peak === null ? null : gflops / peak.gflops,
        maxRssBytes: row.maxRssBytes,
        backendBytes: row.backendBytes,
        phases: mode === "eager" ? phaseMedians(row.phases) : null,
        opSplit: row.opSplit,
        vsTorch: torchRatio(row.roundsMs, torch.roundsMs),
      });
    }
    const entry: BackendEntry = {
      name: f.name,
      status: st.errors.length === 0 ? "ran" : "failed",
      version: backendVersion(f.name),
      device: st.device,
    };
    if (st.unsupported !== undefined) backends.push({ ...entry, status: "skipped", reason: st.unsupported });
    else backends.push(st.errors.length === 0 ? entry : { ...entry, reason: st.errors.join("; ") });
  }
  return {
    kind: "dlrm-bench",
    schema: 1,
    createdAt: new Date().toISOString(),
    config: o.config.name,
    batchSize: o.config.train.batchSize,
    dtype: o.precision,
    iterations: o.iterations,
    warmup: o.warmup,
    rounds,
    machine: machineInfo(),
    commit: gitCommit(),
    backends: backends.map((b) => ({ ...b, label: backendLabel(b.name) })),
    peak,
    flopsPerStep: flops,
    estimatedModelBytes: estimateMemory(o.config.train, benchBagBounds(o.config)).totalBytes,
    steps,
    torch,
    micro,
    peakRssBytes: maxRss(),
    notes: METHOD_NOTES,
  };
}
