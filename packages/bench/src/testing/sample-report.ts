/**
 * A hand-made BenchReport for tests of the renderers and the comparison (no measuring):
 * two backends in both modes over two rounds with phase and op-category splits, PyTorch's
 * step, GEMM and non-GEMM micro rows and a peak. `scale` multiplies every time, so two
 * samples compare with a known ratio.
 */
import { summarizeSplit } from "../op-split.js";
import { summarize } from "../stats.js";
import type { BenchReport, MicroRow, OpSplit, StepRow } from "../types.js";

/** PyTorch's ms per round in the sample (before `scale`). */
export const SAMPLE_TORCH_MS = [8, 10];

/** An eager op split of a `ms` step: gemm 40%, embedding 20%, interaction 10%, optimizer 10%, data 10%, other 10% of the sum. */
function opSplit(ms: number): OpSplit {
  const ops = [
    ["gemm", 0.3],
    ["linearForward", 0.1],
    ["embeddingBagsForward", 0.2],
    ["interactionForward", 0.1],
    ["fusedAdagradStep", 0.1],
    ["upload", 0.1],
    ["lossForward", 0.1],
  ] as const;
  return summarizeSplit(
    ops.map(([op, f]) => ({ op, ms: f * ms * 1.2 })),
    ms,
    5,
  );
}

function step(backend: string, mode: "eager" | "lazy", ms: number, scale: number): StepRow {
  const roundsMs = [ms * 0.95, ms * 1.05];
  const torch = SAMPLE_TORCH_MS.map((t) => t * scale);
  return {
    backend,
    mode,
    timing: summarize([ms * 0.9, ms, ms * 1.2]),
    roundsMs,
    samplesPerSecond: (128 * 1000) / ms,
    gflops: 0.5 / ms,
    fractionOfPeak: 0.5 / ms / 40,
    maxRssBytes: 200 * 2 ** 20,
    backendBytes: backend === "wasm" ? 50 * 2 ** 20 : null,
    phases: mode === "eager" ? { uploadMs: ms * 0.1, forwardMs: ms * 0.3, backwardUpdateMs: ms * 0.6 } : null,
    opSplit: mode === "eager" ? opSplit(ms) : null,
    vsTorch: { ofMedians: ms / 9 / scale, medianOfRounds: (roundsMs[0]! / torch[0]! + roundsMs[1]! / torch[1]!) / 2 },
  };
}

function micro(backend: string, op: string, shape: string, ms: number, flops: number | null): MicroRow {
  return { backend, op, shape, timing: summarize([ms, ms * 1.1]), gflops: flops === null ? null : flops / (ms * 1e6) };
}

/** A plausible small-config report; every time is multiplied by `scale`. */
export function sampleReport(scale = 1): BenchReport {
  return {
    kind: "dlrm-bench",
    schema: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    config: "small",
    batchSize: 128,
    dtype: "fp32",
    iterations: 5,
    warmup: 1,
    rounds: 2,
    machine: { cpu: "Test CPU", cores: 2, memoryBytes: 8 * 2 ** 30, node: "v20.0.0", platform: "linux-x64" },
    commit: "0123456789abcdef",
    flopsPerStep: 5e8,
    estimatedModelBytes: 3e7,
    backends: [
      { name: "wasm", status: "ran", version: "@dlrm/backend-wasm@0.1.0", device: "host CPU via WebAssembly SIMD" },
      { name: "reference", status: "ran", version: "@dlrm/core@0.1.0", device: "host CPU" },
      { name: "webgpu", status: "skipped", reason: "no GPU adapter", version: "@dlrm/backend-webgpu@0.1.0" },
    ],
    peak: { backend: "wasm", size: 1024, gflops: 40, timing: summarize([53.7 * scale]) },
    steps: [
      step("wasm", "eager", 4 * scale, scale),
      step("wasm", "lazy", 3.5 * scale, scale),
      step("reference", "eager", 30 * scale, scale),
      step("reference", "lazy", 29 * scale, scale),
    ],
    torch: {
      status: "ran",
      command: "/usr/bin/python3 torch_dlrm_bench.py",
      roundsMs: SAMPLE_TORCH_MS.map((t) => t * scale),
      medianMs: 9 * scale,
    },
    peakRssBytes: 300 * 2 ** 20,
    micro: [
      micro("wasm", "gemm", "128x64x13 nt (bot_l.0 forward)", 0.02 * scale, 2 * 128 * 64 * 13),
      micro("wasm", "gemm", "128x32x64 nt (top_l.2 forward)", 0.03 * scale, 2 * 128 * 32 * 64),
      micro("wasm", "embeddingBagsForward", "B=128 T=4 D=16", 0.05 * scale, null),
      micro("reference", "gemm", "128x64x13 nt (bot_l.0 forward)", 0.3 * scale, 2 * 128 * 64 * 13),
    ],
    notes: ["sample report for tests"],
  };
}
