/**
 * Training-step benchmark: ms/iteration of a whole DLRM step (upload, forward, backward,
 * updates) per backend and mode on pre-generated random batches, median after warm-up, and
 * PyTorch's step on the same shape (shared/tools/torch_dlrm_bench.py) run in the same script
 * for the ratio. Usage: node dist/step.js [--config kaggle] [--backends wasm,reference]
 *   [--modes eager,lazy] [--iterations 20] [--warmup 3] [--rounds 3] [--torch PATH|none] [--json FILE]
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { randomBatch, trainModel, type Batch, type BatchSource, type ExecutionMode } from "@dlrm/core";
import { resolveBackend } from "@dlrm/backends";
import { BENCH_CONFIGS, torchFlags, type BenchConfig } from "./configs.js";
import { machine, median, table } from "./report.js";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "kaggle" },
    backends: { type: "string", default: "wasm" },
    modes: { type: "string", default: "eager" },
    iterations: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    torch: { type: "string", default: "../../../../shared/tools/torch_dlrm_bench.py" },
    json: { type: "string" },
  },
});

const config = BENCH_CONFIGS[values.config];
if (config === undefined) throw new Error(`--config: unknown "${values.config}" (known: ${Object.keys(BENCH_CONFIGS).join(", ")})`);
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);

/** A source replaying `n` pre-generated batches, so the figure is the step, not data generation. */
function replay(c: BenchConfig, n: number): BatchSource {
  const pool: Batch[] = Array.from({ length: Math.min(n, 8) }, (_, i) => randomBatch(c.train, c.data, i));
  return {
    batchesPerEpoch: n,
    maxIndicesPerBag: c.data.numIndicesPerLookup,
    description: "pre-generated random batches",
    async *batches() {
      for (let i = 0; i < n; i++) yield pool[i % pool.length]!;
    },
  };
}

/** Per-step times of one run (each step timed to completion: print every step). */
async function ourRun(backendName: string, mode: ExecutionMode): Promise<number[]> {
  const { factory } = await resolveBackend(backendName);
  const backend = await factory.create({ mode });
  try {
    const times: number[] = [];
    await trainModel(backend, { ...config!.train, mode, printFreq: 1 }, replay(config!, warmup + iterations), {
      onPrint: (r) => times.push(r.msPerIteration),
    });
    return times.slice(warmup);
  } finally {
    backend.dispose();
  }
}

/** PyTorch's median ms/iteration from torch_dlrm_bench.py, or undefined when it cannot run. */
function torchRun(): number | undefined {
  const script = new URL(values.torch, import.meta.url).pathname;
  if (values.torch === "none" || !existsSync(script) || !existsSync("/usr/bin/python3")) return undefined;
  const r = spawnSync("/usr/bin/python3", [script, ...torchFlags(config!, iterations), "--warmup", String(warmup)], { encoding: "utf8" });
  const m = /median_ms_per_it=([0-9.]+)/.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

interface Row { runner: string; mode: string; medianMs: number; rounds: number[]; samplesPerSecond: number; ratioToTorch: number | undefined }

const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  const t = torchRun();
  if (t !== undefined) results.set("pytorch|eager", [...(results.get("pytorch|eager") ?? []), t]);
  for (const b of values.backends.split(",")) {
    for (const mode of values.modes.split(",") as ExecutionMode[]) {
      const key = `${b}|${mode}`;
      results.set(key, [...(results.get(key) ?? []), median(await ourRun(b, mode))]);
    }
  }
}
const torchMs = results.has("pytorch|eager") ? median(results.get("pytorch|eager")!) : undefined;
const rows: Row[] = [...results].map(([key, ms]) => {
  const [runner, mode] = key.split("|") as [string, string];
  const med = median(ms);
  return { runner, mode, medianMs: med, rounds: ms, samplesPerSecond: (config.train.batchSize * 1000) / med, ratioToTorch: torchMs ? med / torchMs : undefined };
});
console.log(`${config.name} step, batch ${config.train.batchSize}, ${iterations} iterations after ${warmup} warm-up, median of ${rounds} rounds (${machine().cpu}, ${machine().cores} cores)`);
console.log(table(["runner", "mode", "ms/it", "samples/s", "x PyTorch", "per round"], rows.map((r) => [
  r.runner, r.mode, r.medianMs.toFixed(2), r.samplesPerSecond.toFixed(0), r.ratioToTorch?.toFixed(2) ?? "n/a", r.rounds.map((x) => x.toFixed(1)).join(" "),
])));
if (torchMs === undefined) console.log("PyTorch not measured (needs /usr/bin/python3 with python3-torch and shared/tools/torch_dlrm_bench.py)");
if (values.json) writeFileSync(values.json, JSON.stringify({ config: config.name, machine: machine(), iterations, warmup, rows }, null, 2));
