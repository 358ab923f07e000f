/**
 * WebGPU training-step benchmark: ms per iteration of a small DLRM configuration (the CLI's
 * default model: 4 tables of 1000 x 16, MLPs 13-64-16 / 64-32-1, batch 128, Adagrad) on
 * @dlrm/backend-webgpu in eager mode (a submission per op) and lazy mode (one command buffer
 * per step), after a warm-up run; prints a table and, with `--json FILE`, writes the figures.
 * Usage: node dist/webgpu-step.js [--steps 30] [--warmup 3] [--batch 128] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { commandLine } from "./environment.js";
import { parseArgs } from "node:util";
import {
  DEFAULT_RANDOM_DATA,
  DEFAULT_TRAIN_CONFIG,
  createRandomSource,
  trainModel,
  type ExecutionMode,
  type TrainConfig,
} from "@dlrm/core";
import { WebGpuBackend } from "@dlrm/backend-webgpu";
import { machine, table } from "./report.js";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
    batch: { type: "string", default: "128" },
    json: { type: "string" },
  },
});
const steps = Number(values.steps),
  warmup = Number(values.warmup),
  batchSize = Number(values.batch);

function config(mode: ExecutionMode, numBatches: number): TrainConfig {
  return { ...DEFAULT_TRAIN_CONFIG, batchSize, numBatches, printFreq: numBatches, mode };
}

interface Row {
  mode: ExecutionMode;
  steps: number;
  msPerIteration: number;
  submissionsPerStep: number;
  dispatchesPerStep: number;
}

const rows: Row[] = [];
let device = "";
for (const mode of ["eager", "lazy"] as const) {
  const gpu = await WebGpuBackend.create(mode);
  device = gpu.info.device;
  const data = { ...DEFAULT_RANDOM_DATA, dataSize: batchSize * Math.max(steps, warmup) };
  const warm = config(mode, warmup);
  await trainModel(gpu, warm, createRandomSource(warm, data));
  const cfg = config(mode, steps);
  const before = { ...gpu.stats };
  const { summary } = await trainModel(gpu, cfg, createRandomSource(cfg, data));
  rows.push({
    mode,
    steps,
    msPerIteration: summary.msPerIteration,
    submissionsPerStep: (gpu.stats.submissions - before.submissions) / steps,
    dispatchesPerStep: (gpu.stats.dispatches - before.dispatches) / steps,
  });
  gpu.dispose();
}

console.log(
  `WebGPU small DLRM step (batch ${batchSize}, ${steps} steps after ${warmup} warm-up) on ${device} (host ${machine().cpu}, Node ${process.version})`,
);
console.log(
  table(
    ["mode", "ms/iteration", "submissions/step", "dispatches/step"],
    rows.map((r) => [
      r.mode,
      r.msPerIteration.toFixed(2),
      r.submissionsPerStep.toFixed(2),
      r.dispatchesPerStep.toFixed(1),
    ]),
  ),
);
if (values.json !== undefined) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ benchmark: "webgpu-step", command: commandLine(), batchSize, device, machine: machine(), results: rows }, null, 2)}\n`,
  );
  console.log(`wrote ${values.json}`);
}
