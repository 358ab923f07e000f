/**
 * One `dlrm bench` run: the GEMM peak, then per backend the eager step (with its phase
 * split and the per-op micro-benchmarks on the same model) and the lazy step, collected
 * into a BenchReport with the machine, the commit and each backend's version. A backend
 * that fails (e.g. a Medium model that does not fit) is reported as failed with the error.
 */
import { estimateMemory, type Backend, type BackendFactory, type ExecutionMode, type Precision } from "@dlrm/core";
import type { BenchConfig } from "./configs.js";
import { backendVersion, gitCommit, machineInfo } from "./environment.js";
import { gflopsOf, stepFlops } from "./flops.js";
import { runMicro } from "./micro.js";
import { measurePeak } from "./peak.js";
import { summarize } from "./stats.js";
import { benchBatches, measureStep } from "./step-run.js";
import type { BackendEntry, BenchReport, MicroRow, StepRow } from "./types.js";

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
  "peak: always fp32; best of 10 calls (after 2 warm-up) of an N x N x N fp32 GEMM on the gaudi (OpenBLAS) backend when available, else the fastest available non-reference backend, measured in this run",
  "time split: eager mode only; each phase (upload, forward, backward + updates) ends with await backend.sync() and is timed with performance.now(); medians per phase",
  "memory: process RSS high-water mark (process.resourceUsage().maxRSS) after the row, cumulative over the run; backend bytes when the backend reports them (wasm: linear memory in use)",
];

/** Runs the whole benchmark. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const o = { ...options, config: { ...options.config, train: { ...options.config.train, precision: options.precision } } };
  const progress = o.onProgress ?? (() => undefined);
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
  const steps: StepRow[] = [];
  const micro: MicroRow[] = [];
  for (const f of available) {
    let device = "";
    const errors: string[] = [];
    let unsupported: string | undefined;
    for (const mode of o.modes) {
      progress(`bench: ${o.config.name} step on ${f.name} (${mode}), ${o.warmup} warm-up + ${o.iterations} iterations`);
      let backend: Backend | undefined;
      try {
        backend = await f.create({ mode });
        device = backend.info.device;
        if (!backend.info.precisions.includes(o.precision)) {
          unsupported = `${f.name} does not implement ${o.precision}`;
          progress(`bench: ${f.name}: skipped: ${unsupported}`);
          break;
        }
        const m = await measureStep(backend, o.config, batches, r);
        const timing = summarize(m.samples);
        const gflops = gflopsOf(flops, timing.medianMs);
        steps.push({
          backend: f.name, mode, timing, samplesPerSecond: (o.config.train.batchSize * 1000) / timing.medianMs, gflops,
          fractionOfPeak: peak === null ? null : gflops / peak.gflops, maxRssBytes: maxRss(), backendBytes: backendBytes(backend), phases: m.phases,
        });
        if (o.micro && mode === "eager") {
          progress(`bench: micro-benchmarks on ${f.name}`);
          micro.push(...(await runMicro(m.model, r)));
        }
      } catch (e) {
        errors.push(`${mode}: ${e instanceof Error ? e.message : String(e)}`);
        progress(`bench: ${f.name} (${mode}) FAILED: ${errors[errors.length - 1]}`);
      } finally {
        backend?.dispose();
      }
    }
    const entry: BackendEntry = { name: f.name, status: errors.length === 0 ? "ran" : "failed", version: backendVersion(f.name), device };
    if (unsupported !== undefined) backends.push({ ...entry, status: "skipped", reason: unsupported });
    else backends.push(errors.length === 0 ? entry : { ...entry, reason: errors.join("; ") });
  }
  return {
    kind: "dlrm-bench", schema: 1, createdAt: new Date().toISOString(), config: o.config.name, batchSize: o.config.train.batchSize,
    dtype: o.precision, iterations: o.iterations, warmup: o.warmup, machine: machineInfo(), commit: gitCommit(), backends, peak,
    flopsPerStep: flops, estimatedModelBytes: estimateMemory(o.config.train, o.config.data.numIndicesPerLookup).totalBytes,
    steps, micro, notes: METHOD_NOTES,
  };
}
