#!/usr/bin/env node
/**
 * Projects MLPerf DLRMv2's training step time at 8 to 512 ranks (docs/SCALING.md): runs the
 * built `dlrm plan --json` for each world size and bag size, takes the busiest rank's memory
 * and bytes per step, and applies packages/bench/src/scaling-projection.ts's model for each
 * network bandwidth, compute rate (one measured on this host from a committed bench result,
 * one assumed accelerator) and overlap. Writes every input and output with its command.
 * Needs `npm run build` (apps/cli and packages/bench).
 *
 * Usage: node scripts/scaling-projection.mjs [--out FILE]   (default bench-results/scaling-projection.json)
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
let out = join(root, "bench-results", "scaling-projection.json");
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out" && args[i + 1] !== undefined) out = args[++i];
  else {
    console.error(`scaling-projection: unknown argument "${args[i]}" (usage: [--out FILE])`);
    process.exit(1);
  }
}
const dist = join(root, "packages", "bench", "dist", "scaling-projection.js");
const cli = join(root, "apps", "cli", "bin", "dlrm.js");
for (const f of [dist, cli, join(root, "apps", "cli", "dist")])
  if (!existsSync(f)) {
    console.error(`scaling-projection: ${relative(root, f)} is missing: run npm run build first`);
    process.exit(1);
  }
const { busiestRank, collectivesPerStep, flopsPerSample, planShape, projectStep } = await import(dist);

// ------------------------------------------------------------------ inputs

/** MLPerf DLRMv2 (Criteo 1TB) table sizes before --max-ind-range. */
const TABLES = [
  40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938, 155, 4, 976, 14,
  40000000, 40000000, 40000000, 590152, 12973, 108, 36,
];
/** MLPerf DLRMv2's multi-hot bag size per table. */
const MULTI_HOT = [3, 2, 1, 2, 6, 1, 1, 1, 1, 7, 3, 8, 1, 6, 9, 5, 1, 1, 1, 12, 100, 27, 10, 3, 1, 1];
const multiHotMean = MULTI_HOT.reduce((a, x) => a + x, 0) / MULTI_HOT.length;
const MEMORY_PER_RANK = "80GB";
const PLAN_FLAGS = [
  "--arch-sparse-feature-size",
  "128",
  "--arch-mlp-bot",
  "13-512-256-128",
  "--arch-mlp-top",
  "1024-1024-512-256-1",
  "--arch-embedding-size",
  TABLES.join("-"),
  "--max-ind-range",
  "40000000",
  "--mini-batch-size",
  "65536",
  "--arch-interaction-op",
  "cat",
  "--optimizer",
  "adagrad",
  "--memory-per-rank",
  MEMORY_PER_RANK,
];
const WORLD_SIZES = [8, 16, 32, 64, 128, 256, 512];
/** Per-rank network bandwidth, GB/s (10^9 bytes/s): 100, 200, 400, 800 Gb/s. */
const BANDWIDTHS_GBPS = [12.5, 25, 50, 100];
const BAGS = [
  { id: "one-hot", indicesPerLookup: 1, words: "one index per bag (--num-indices-per-lookup 1)" },
  {
    id: "multi-hot-mean",
    indicesPerLookup: Math.round(multiHotMean),
    words: `MLPerf's multi-hot sizes approximated by their mean ${multiHotMean.toFixed(2)}, rounded to ${Math.round(multiHotMean)} indices in every bag (--num-indices-per-lookup takes an integer)`,
  },
];
const ALPHA_SECONDS = 10e-6;

/** The measured host rate: GEMM FLOPs per step over the median step of a committed `dlrm bench` result. */
function hostRate() {
  const file = "bench-results/medium.json";
  const j = JSON.parse(readFileSync(join(root, file), "utf8"));
  const s = j.steps.find((x) => x.backend === "gaudi" && x.mode === "eager");
  if (s === undefined) throw new Error(`${file}: no gaudi eager step`);
  return {
    id: "host-cpu-measured",
    flopsPerSecond: j.flopsPerStep / (s.timing.medianMs / 1e3),
    words: `this host's ${j.machine.cores}-core ${j.machine.cpu} (gaudi native backend, eager): Medium's ${(j.flopsPerStep / 1e9).toFixed(1)} GFLOP of GEMM per step over its median step of ${s.timing.medianMs.toFixed(0)} ms (${s.timing.samples} steps), embedding and element-wise time included`,
    source: { file, command: j.command, createdAt: j.createdAt ?? null, commit: j.commit ?? null },
    gemmPeak: j.peak ?? null,
  };
}

const ACCELERATOR = {
  id: "accelerator-assumed",
  flopsPerSecond: 400e12 * 0.5,
  words: "an assumed accelerator: 400 TFLOP/s bf16 at 50 % utilization (not measured)",
  source: null,
};

/** Measured overlap fractions from committed `dlrm bench --world-size` results, if any report one. */
function measuredOverlaps() {
  const found = [];
  const dir = join(root, "bench-results");
  for (const f of readdirSync(dir).sort()) {
    if (!/^dist-.*\.json$/.test(f)) continue;
    const j = JSON.parse(readFileSync(join(dir, f), "utf8"));
    for (const r of j.distributed?.rows ?? []) {
      if (r.worldSize <= 1) continue;
      const key = Object.keys(r).find((k) => /overlap/i.test(k) && typeof r[k] === "number");
      if (key !== undefined)
        found.push({
          file: `bench-results/${f}`,
          command: j.command,
          backend: r.backend,
          worldSize: r.worldSize,
          field: key,
          value: r[key],
        });
    }
  }
  return found;
}

/** `dlrm plan` flags of the `dlrm bench` configurations a dist-*.json may hold (packages/bench/src/configs.ts). */
const BENCH_SHAPES = {
  kaggle: [
    "--arch-sparse-feature-size",
    "16",
    "--arch-mlp-bot",
    "13-512-256-64-16",
    "--arch-mlp-top",
    "512-256-1",
    "--arch-embedding-size",
    new Array(26).fill(100000).join("-"),
    "--mini-batch-size",
    "128",
    "--arch-interaction-op",
    "dot",
    "--optimizer",
    "adagrad",
    "--num-indices-per-lookup",
    "8",
  ],
  medium: [
    "--arch-sparse-feature-size",
    "64",
    "--arch-mlp-bot",
    "1024-1024-1024-64",
    "--arch-mlp-top",
    "4096-4096-4096-4096-4096-4096-4096-1",
    "--arch-embedding-size",
    "3000000",
    "--mini-batch-size",
    "512",
    "--arch-interaction-op",
    "cat",
    "--optimizer",
    "adagrad",
    "--num-indices-per-lookup",
    "38",
  ],
};

/** The bytes per step `dlrm bench --world-size` measured (max over ranks) beside the plan's model for the same shape and N. */
function measuredBytes() {
  const found = [];
  const dir = join(root, "bench-results");
  for (const f of readdirSync(dir).sort()) {
    if (!/^dist-.*\.json$/.test(f)) continue;
    const j = JSON.parse(readFileSync(join(dir, f), "utf8"));
    const flags = BENCH_SHAPES[j.config];
    if (flags === undefined) continue;
    for (const r of j.distributed?.rows ?? []) {
      if (r.worldSize <= 1 || r.mode !== "eager") continue;
      const cmd = ["node", "apps/cli/bin/dlrm.js", "plan", ...flags, "--world-size", String(r.worldSize), "--json"];
      const plan = JSON.parse(execFileSync(process.execPath, cmd.slice(1), { cwd: root }).toString());
      const busy = busiestRank(plan.perRank);
      found.push({
        file: `bench-results/${f}`,
        command: j.command,
        commit: j.commit ?? null,
        config: j.config,
        backend: r.backend,
        worldSize: r.worldSize,
        measured: { allToAllBytes: r.allToAllBytes, allReduceBytes: r.allReduceBytes },
        planCommand: cmd.join(" "),
        planned: { allToAllBytes: busy.allToAllBytes, allReduceBytes: busy.allReduceBytes },
      });
    }
  }
  return found;
}

// ------------------------------------------------------------------ the run

const planCommand = (bag, n) => [
  "node",
  "apps/cli/bin/dlrm.js",
  "plan",
  ...PLAN_FLAGS,
  "--num-indices-per-lookup",
  String(bag),
  "--world-size",
  String(n),
  "--json",
];

const rates = [ACCELERATOR, hostRate()];
const overlaps = measuredOverlaps();
const overlapFractions = [0];
if (overlaps.length > 0) {
  const vs = overlaps.map((o) => o.value).sort((a, b) => a - b);
  overlapFractions.push(vs[Math.floor((vs.length - 1) / 2)]);
}

const plans = [];
const projections = [];
for (const bag of BAGS) {
  for (const n of WORLD_SIZES) {
    const cmd = planCommand(bag.indicesPerLookup, n);
    const plan = JSON.parse(execFileSync(process.execPath, cmd.slice(1), { cwd: root, maxBuffer: 1 << 28 }).toString());
    const busy = busiestRank(plan.perRank);
    const fullest = plan.perRank.reduce((a, r) => (r.memoryBytes > a.memoryBytes ? r : a));
    const collectives = collectivesPerStep(plan);
    const fps = flopsPerSample(plan.model);
    plans.push({
      bag: bag.id,
      worldSize: n,
      command: cmd.join(" "),
      shape: planShape(plan),
      flopsPerSample: fps,
      localBatch: plan.batchSize / n,
      collectivesPerStep: collectives,
      busiestRank: busy,
      largestMemoryRank: fullest,
      minMemoryBytes: Math.min(...plan.perRank.map((r) => r.memoryBytes)),
    });
    for (const rate of rates)
      for (const overlap of overlapFractions)
        for (const gbps of BANDWIDTHS_GBPS) {
          const p = projectStep({
            worldSize: n,
            batchSize: plan.batchSize,
            flopsPerSample: fps,
            flopsPerSecond: rate.flopsPerSecond,
            bytesPerStep: busy.allToAllBytes + busy.allReduceBytes,
            bytesPerSecond: gbps * 1e9,
            collectives,
            assumptions: { alphaSeconds: ALPHA_SECONDS, overlap },
          });
          projections.push({ bag: bag.id, worldSize: n, rate: rate.id, overlap, bandwidthGBps: gbps, ...p });
        }
  }
}

/** HEAD, with "-dirty" when the tree has uncommitted changes; null outside git. */
function gitCommit() {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: root }).toString().trim() !== "";
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
const commit = gitCommit();

const result = {
  kind: "scaling-projection",
  command: ["node", "scripts/scaling-projection.mjs", ...args].join(" "),
  createdAt: new Date().toISOString(),
  commit,
  model: {
    words:
      "MLPerf DLRMv2 sizes: 26 Criteo 1TB tables capped at 40000000 rows, dimension 128, bottom MLP 13-512-256-128, top MLP 1024-1024-512-256-1, global batch 65536, Adagrad; interaction cat (DCNv2's cross network is not built)",
    planFlags: PLAN_FLAGS,
    multiHotSizes: MULTI_HOT,
    multiHotMean,
  },
  assumptions: {
    formula:
      "t_step = t_compute + t_comm x (1 - overlap); t_compute = GEMM FLOPs per sample x (65536 / N) / rate; t_comm = (all-to-all + all-reduce bytes the busiest rank sends) / bandwidth + collectives x alpha x log2 N",
    alphaSeconds: ALPHA_SECONDS,
    collectives:
      "per step: 2 pooled-embedding all-to-alls, 2 MLP gradient buckets, 1 all-reduce per replicated table (from each plan)",
    bandwidthsGBps: BANDWIDTHS_GBPS,
    bandwidthWords: "bytes each rank sends per second (10^9 bytes/s), the same for every rank, with no contention",
    overlapFractions,
    overlapWords:
      overlaps.length > 0
        ? "0, and the median overlap fraction measured by dlrm bench --world-size (see measuredOverlaps)"
        : "0 only: no committed bench-results/dist-*.json reports an overlap fraction",
    memoryPerRank: MEMORY_PER_RANK,
    notCounted:
      "embedding lookups and updates, element-wise ops and the interaction are not in t_compute for the accelerator rate; reading the global batch's indices on every rank is not in t_comm",
  },
  bags: BAGS,
  rates,
  measuredOverlaps: overlaps,
  measuredBytes: measuredBytes(),
  worldSizes: WORLD_SIZES,
  plans,
  projections,
};
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `scaling-projection: wrote ${relative(process.cwd(), out)} (${plans.length} plans, ${projections.length} projections)`,
);
