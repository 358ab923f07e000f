/**
 * Training-step benchmark: ms/iteration of a whole DLRM step (upload, forward, backward,
 * updates) per backend and mode on pre-generated random batches, median after warm-up, and
 * PyTorch's step on the same shape (shared/tools/torch_dlrm_bench.py) run in the same script
 * for the ratio. --dtype fp32,bf16 times each precision (bf16: mixed precision, --data_type);
 * the last line is the process's peak RSS (run one backend and dtype per process to compare memory).
 * Usage: node dist/step.js [--config kaggle] [--backends wasm,reference] [--modes eager,lazy]
 *   [--dtype fp32,bf16] [--iterations 20] [--warmup 3] [--rounds 3] [--torch PATH|none] [--json FILE]
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { randomBatch, trainModel, type Batch, type BatchSource, type ExecutionMode, type Precision } from "@dlrm/core";
import { resolveBackend } from "@dlrm/backends";
import { BENCH_CONFIGS, torchFlags, type BenchConfig } from "./configs.js";
import { machine, median, table } from "./report.js";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "kaggle" },
    backends: { type: "string", default: "wasm" },
    modes: { type: "string", default: "eager" },
    dtype: { type: "string", default: "fp32" },
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
const dtypes = values.dtype.split(",") as Precision[];
for (const d of dtypes) if (d !== "fp32" && d !== "bf16") throw new Error(`--dtype: unknown "${d}" (known: fp32, bf16)`);

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
async function ourRun(backendName: string, mode: ExecutionMode, precision: Precision): Promise<number[]> {
  const { factory } = await resolveBackend(backendName);
  const backend = await factory.create({ mode });
  try {
    const times: number[] = [];
    await trainModel(backend, { ...config!.train, mode, precision, printFreq: 1 }, replay(config!, warmup + iterations), {
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

interface Row { runner: string; mode: string; dtype: string; medianMs: number; rounds: number[]; samplesPerSecond: number; ratioToTorch: number | undefined }

const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  const t = torchRun();
  if (t !== undefined) results.set("pytorch|eager|fp32", [...(results.get("pytorch|eager|fp32") ?? []), t]);
  for (const b of values.backends.split(",")) {
    for (const mode of values.modes.split(",") as ExecutionMode[]) {
      for (const dtype of dtypes) {
        const key = `${b}|${mode}|${dtype}`;
        results.set(key, [...(results.get(key) ?? []), median(await ourRun(b, mode, dtype))]);
      }
    }
  }
}
const torchMs = results.has("pytorch|eager|fp32") ? median(results.get("pytorch|eager|fp32")!) : undefined;
const rows: Row[] = [...results].map(([key, ms]) => {
  const [runner, mode, dtype] = key.split("|") as [string, string, string];
  const med = median(ms);
  return { runner, mode, dtype, medianMs: med, rounds: ms, samplesPerSecond: (config.train.batchSize * 1000) / med, ratioToTorch: torchMs ? med / torchMs : undefined };
});
console.log(`${config.name} step, batch ${config.train.batchSize}, ${iterations} iterations after ${warmup} warm-up, median of ${rounds} rounds (${machine().cpu}, ${machine().cores} cores)`);
console.log(table(["runner", "mode", "dtype", "ms/it", "samples/s", "x PyTorch", "per round"], rows.map((r) => [
  r.runner, r.mode, r.dtype, r.medianMs.toFixed(2), r.samplesPerSecond.toFixed(0), r.ratioToTorch?.toFixed(2) ?? "n/a", r.rounds.map((x) => x.toFixed(1)).join(" "),
])));
if (torchMs === undefined) console.log("PyTorch not measured (needs /usr/bin/python3 with python3-torch and shared/tools/torch_dlrm_bench.py)");
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(`process peak RSS (maxRSS): ${maxRssMiB.toFixed(0)} MiB`);
if (values.json) writeFileSync(values.json, JSON.stringify({ config: config.name, machine: machine(), iterations, warmup, rows, maxRssMiB }, null, 2));
