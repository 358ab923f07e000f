#!/usr/bin/env node
/**
 * The one script behind every performance figure in a README: it reads the committed bench
 * results (bench-results/*.json, each holding the command that made it) and rewrites the
 * marked blocks of the READMEs (and docs/*.md) from them; `--check` rewrites nothing and fails when a block
 * differs from its JSON, or a figure stands outside a block (a test runs it).
 *
 * Convention (for anyone adding figures):
 *   1. Commit the result JSON under bench-results/, written by a command that records itself
 *      in the JSON's "command" field (`dlrm bench --json`, packages/bench/dist/webgpu-gemm.js
 *      and webgpu-step.js `--json` do).
 *   2. Add a renderer to BLOCKS below: an id, the JSON file(s) it reads, and `render(json...)`
 *      returning the markdown (a table, then `source(...)` lines naming file and command).
 *   3. In the README, put the markers on lines of their own where the figures go:
 *        <!-- figures:begin ID -->
 *        <!-- figures:end ID -->
 *      and run `node scripts/readme-figures.mjs`: everything between them is generated
 *      (never edit it by hand; text around the markers is free).
 *   A number with a unit of time or rate (ms, s/step, GFLOP/s, samples/s), an "x PyTorch 0.71",
 *   or a table row with two or more decimals or an "a / b" pair of numbers, in a README outside
 *   a block or a code fence fails `--check`: it has no result file behind it.
 *
 * Usage: node scripts/readme-figures.mjs [--check] [--root DIR]   (DIR: the repository root)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const check = args.includes("--check");
const rootAt = args.indexOf("--root");
const root = rootAt >= 0 ? args[rootAt + 1] : join(dirname(fileURLToPath(import.meta.url)), "..");
for (const a of args) {
  if (a !== "--check" && a !== "--root" && a !== args[rootAt + 1])
    fail([`readme-figures: unknown argument "${a}" (usage: [--check] [--root DIR])`]);
}
if (root === undefined || !existsSync(root)) fail([`readme-figures: --root: no such directory "${root}"`]);

// ------------------------------------------------------------------ formatting

/** ms with three significant figures at most (1574, 14.8, 0.84). */
const ms = (x) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? "-"
    : x >= 100
      ? x.toFixed(0)
      : x >= 10
        ? x.toFixed(1)
        : x.toFixed(2);
const ratio = (x) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(2));
const day = (iso) => String(iso ?? "").slice(0, 10);
const machine = (m) =>
  `${m.cpu}, ${m.cores} cores${m.memoryBytes ? `, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB` : ""}, Node ${m.node}`;
/** How every table names a backend (as @dlrm/core's backendLabel). */
const label = (name) => (name === "gaudi" ? "gaudi native (host CPU)" : name);
const bytes = (b) => (b < 2 ** 20 ? `${(b / 1024).toFixed(0)} KiB` : `${(b / 2 ** 20).toFixed(2)} MiB`);

/** The lines under a table naming where its figures come from. */
function source(file, json, extra = "") {
  if (typeof json.command !== "string" || json.command.length === 0)
    throw new Error(`${file} has no "command" field: say what made it`);
  const when = json.createdAt ? `, ${day(json.createdAt)}` : "";
  const commit = json.commit
    ? `, commit ${json.commit.slice(0, 12)}${json.commit.endsWith("-dirty") ? " (uncommitted changes)" : ""}`
    : "";
  return `- \`${file}\`${when}${commit}${json.machine ? `, ${machine(json.machine)}` : ""}${extra}:\n  \`${json.command}\``;
}

function table(header, rows) {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

// ------------------------------------------------------------------ renderers

/** One `dlrm bench` step row's median ms, or undefined. */
const step = (r, backend, mode) => r.steps.find((s) => s.backend === backend && s.mode === mode);
const pair = (r, backend) => {
  const e = step(r, backend, "eager");
  const l = step(r, backend, "lazy");
  return e === undefined && l === undefined ? "-" : `${ms(e?.timing.medianMs)} / ${ms(l?.timing.medianMs)}`;
};
const vsPair = (r, backend) => {
  const e = step(r, backend, "eager")?.vsTorch?.ofMedians;
  const l = step(r, backend, "lazy")?.vsTorch?.ofMedians;
  return e === undefined && l === undefined ? "-" : `${ratio(e)} / ${ratio(l)}`;
};
const torchMs = (r) => (r.torch?.status === "ran" ? ms(r.torch.medianMs) : "-");
const CONFIG_WORDS = {
  small: "small (4 x 100k x 16, batch 128)",
  kaggle: "Kaggle shape (26 x 100k x 16, batch 128)",
  medium: "Medium (3M x 64, 7 x 4096, batch 512)",
  dlrmv2: "DLRMv2 scaled down (26 tables of at most 100k x 128, multi-hot, dcn 3 x 512, batch 256)",
};

/** The single-process step table: one row per configuration file. */
function stepsBlock(...reports) {
  const [files, jsons] = [reports.map((x) => x.file), reports.map((x) => x.json)];
  const rows = jsons.map((r) => [
    `${CONFIG_WORDS[r.config] ?? r.config}${(r.rounds ?? 1) > 1 ? `, median of ${r.rounds} rounds` : ""}`,
    torchMs(r),
    pair(r, "gaudi"),
    vsPair(r, "gaudi"),
    pair(r, "wasm"),
    vsPair(r, "wasm"),
    pair(r, "webgpu"),
  ]);
  const lines = [
    table(
      [
        "configuration",
        "PyTorch (fp32)",
        "gaudi native (host CPU) eager / lazy",
        "x PyTorch",
        "wasm eager / lazy",
        "x PyTorch",
        "webgpu (lavapipe) eager / lazy",
      ],
      rows,
    ),
    "",
    "ms per training step (median); x PyTorch = our ms / PyTorch's in the same run (below 1: faster); - where a backend or PyTorch was not run. Made by:",
    "",
    ...jsons.map((r, i) =>
      source(
        files[i],
        r,
        r.torch?.status === "ran"
          ? `, PyTorch by ${r.torch.command.replace(/^\/usr\/bin\/python3 \S*\/tools\//, "tools/")}`
          : "",
      ),
    ),
  ];
  const medium = jsons.find((r) => r.config === "medium");
  const split = medium && step(medium, "gaudi", "eager")?.opSplit;
  if (split) {
    const gemm = split.categories.find((c) => c.category === "gemm");
    lines.push(
      "",
      `Medium's op split on gaudi native (host CPU), eager: gemm ${ms(gemm.ms)} of ${ms(split.totalMs)} ms summed over the ops (${(100 * gemm.share).toFixed(0)} %), ` +
        `${(medium.flopsPerStep / 1e9).toFixed(1)} GFLOP of GEMM per step` +
        (medium.peak
          ? `, against a measured peak of ${medium.peak.gflops.toFixed(0)} GFLOP/s (${label(medium.peak.backend)}, fp32 ${medium.peak.size}^3)`
          : "") +
        ".",
    );
  }
  return lines.join("\n");
}

/** The --world-size table of one `dlrm bench --world-size` report. */
function distBlock({ file, json: r }) {
  const d = r.distributed;
  const row = (backend, n) => d.rows.find((x) => x.backend === backend && x.mode === "eager" && x.worldSize === n);
  const rows = d.worldSizes.map((n) => {
    const t = d.torch.find((x) => x.worldSize === n);
    const g = row("gaudi", n);
    const w = row("wasm", n);
    const waits =
      g === undefined || n === 1
        ? "-"
        : `${ms(g.allToAllMs)} / ${ms(g.allReduceMs)} ms (${bytes(g.allToAllBytes)} / ${bytes(g.allReduceBytes)} sent per step)`;
    return [
      String(n),
      ms(t?.medianMs),
      ms(g?.timing.medianMs),
      ratio(g?.vsTorch?.ofMedians),
      ms(w?.timing.medianMs),
      ratio(w?.vsTorch?.ofMedians),
      waits,
    ];
  });
  const last = d.worldSizes[d.worldSizes.length - 1];
  const g = row("gaudi", last);
  const t = d.torch.find((x) => x.worldSize === last);
  const range = (xs) => `${ms(Math.min(...xs))} to ${ms(Math.max(...xs))} ms`;
  return [
    table(
      [
        "N",
        "PyTorch (gloo), ms",
        "gaudi native (host CPU), ms",
        "x PyTorch",
        "wasm, ms",
        "x PyTorch",
        "gaudi all-to-all / all-reduce wait",
      ],
      rows,
    ),
    "",
    `ms per training step, eager, median over ${r.rounds ?? 1} rounds of ${r.warmup} warm-up + ${r.iterations} steps; x PyTorch = ratio of the medians. ` +
      (g && t
        ? `Per-round medians at N = ${last}: gaudi ${range(g.roundsMs)}, PyTorch ${range(t.roundsMs.filter((x) => x !== null))}; the median of the per-round ratios is ${ratio(g.vsTorch?.medianOfRounds)}. `
        : "") +
      "Made by:",
    "",
    source(file, r, `, PyTorch by ${(t?.command ?? "").replace(/^\/usr\/bin\/python3 \S*\/tools\//, "tools/")}`),
  ].join("\n");
}

/** webgpu-gemm.js: ms and GFLOP/s per transpose case and kernel variant. */
function webgpuGemmBlock({ file, json: r }) {
  const variants = [...new Set(r.results.map((x) => x.variant))];
  const cases = [...new Set(r.results.map((x) => x.case))];
  const cell = (c, v) => {
    const x = r.results.find((y) => y.case === c && y.variant === v);
    return x === undefined ? "-" : `${x.medianMs.toFixed(2)} (${x.gflops.toFixed(1)})`;
  };
  return [
    `GEMM ${r.m} x ${r.n} x ${r.k} fp32 on ${r.device}: median ms per product after warm-up (GFLOP/s):`,
    "",
    table(
      ["case", ...variants],
      cases.map((c) => [c, ...variants.map((v) => cell(c, v))]),
    ),
    "",
    source(file, r),
  ].join("\n");
}

/** webgpu-step.js: the small step, eager and lazy, with submissions per step. */
function webgpuStepBlock({ file, json: r }) {
  return [
    `Small DLRM step (CLI default model, batch ${r.batchSize}, Adagrad) on ${r.device}:`,
    "",
    table(
      ["mode", "steps", "ms/iteration", "submissions/step", "dispatches/step"],
      r.results.map((x) => [
        x.mode,
        String(x.steps),
        ms(x.msPerIteration),
        x.submissionsPerStep.toFixed(2),
        x.dispatchesPerStep.toFixed(1),
      ]),
    ),
    "",
    source(file, r),
  ].join("\n");
}

/** Every block: its README, the result files it reads (under bench-results/), its renderer. */
/** The tiled GEMM against the library-threaded one: the step totals of packages/backend-gaudi/scripts/gemm-bench.mjs. */
function gemmTilesBlock(...reports) {
  const total = (r) => r.rows.find((x) => x.gemm.startsWith("step total"));
  const perStep = (r, build) => total(r)[build].medianMs;
  const rows = reports.map(({ json: r }) => {
    const [o, n] = [perStep(r, "old"), perStep(r, "new")];
    return [`${r.config}, ${r.precision}`, String(r.threads), ms(o), ms(n), (n / o).toFixed(3)];
  });
  return [
    table(["GEMMs of one step", "threads", "old ms", "new ms", "new / old"], rows),
    "",
    "The script's step total: each product's median call times its calls per step, summed. Made by:",
    "",
    ...reports.map(({ file, json }) => source(file, json)),
  ].join("\n");
}

/** Whole Kaggle steps with the old and the new addon, alternate runs (dlrm bench, gaudi only). */
function tilesStepBlock(...reports) {
  const median = (r, mode) => r.steps.find((x) => x.backend === "gaudi" && x.mode === mode)?.timing.medianMs;
  const runs = (build) => reports.filter((x) => x.file.includes(`-${build}-`));
  const rows = ["old", "new"].flatMap((build) =>
    ["eager", "lazy"].map((mode) => [`${build}, ${mode}`, ...runs(build).map(({ json }) => ms(median(json, mode)))]),
  );
  return [
    table(["ms per step (median of 30)", "run 1", "run 2", "run 3"], rows),
    "",
    "Made by (the old addon copied over build/Release/dlrm_gaudi.node for its runs):",
    "",
    ...reports.map(({ file, json }) => source(file, json)),
  ].join("\n");
}

/** "waited / busy" ms of one collective kind of a --world-size row. */
const waitBusy = (row, kind) =>
  row[`${kind}BusyMs`] === undefined ? ms(row[`${kind}Ms`]) : `${ms(row[`${kind}Ms`])} / ${ms(row[`${kind}BusyMs`])}`;
/** The plan's tables per kind ("row 1", "table 26"). */
const kinds = (k) =>
  Object.entries(k ?? {})
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ") || "-";

/**
 * The --world-size table with the collectives' waited and running time, bytes, overlap and
 * plan per N: PyTorch's row and every eager backend that ran, then why PyTorch did not run
 * where it did not.
 */
function distScalingBlock({ file, json: r }) {
  const d = r.distributed;
  const backends = [...new Set(d.rows.map((x) => x.backend))];
  const rows = [];
  for (const n of d.worldSizes) {
    const t = d.torch.find((x) => x.worldSize === n);
    const p = t?.phasesMs ?? {};
    rows.push([
      String(n),
      "PyTorch (gloo)",
      t?.medianMs === null || t === undefined ? "did not run" : ms(t.medianMs),
      "-",
      n === 1 || t?.medianMs == null ? "-" : `${ms((p.a2a_fwd ?? 0) + (p.a2a_bwd ?? 0))} (rank 0)`,
      n === 1 || t?.medianMs == null ? "-" : `${ms(p.allreduce)} (rank 0)`,
      "-",
      n === 1 || t?.medianMs == null ? "-" : "0 (synchronous)",
      n === 1 ? "table, one process" : "table slices",
      t === undefined ? "-" : t.roundsMs.map((x) => (x === null ? "failed" : ms(x))).join(" "),
    ]);
    for (const b of backends) {
      const g = d.rows.find((x) => x.backend === b && x.mode === "eager" && x.worldSize === n);
      if (g === undefined) continue;
      rows.push([
        String(n),
        label(b),
        ms(g.timing.medianMs),
        ratio(g.vsTorch?.ofMedians),
        n === 1 ? "-" : waitBusy(g, "allToAll"),
        n === 1 ? "-" : waitBusy(g, "allReduce"),
        n === 1 ? "-" : `${bytes(g.allToAllBytes)} / ${bytes(g.allReduceBytes)}`,
        g.overlapMedian == null ? "-" : `${ratio(g.overlapMedian)} / ${ratio(g.overlapOverall)}`,
        n === 1 ? "table, one process" : kinds(g.shardKinds),
        g.roundsMs.map(ms).join(" "),
      ]);
    }
  }
  const torchCmd = d.torch.find((x) => x.command !== undefined)?.command ?? "";
  const missing = d.torch
    .filter((x) => x.medianMs === null)
    .map((x) => {
      const why = (x.reason ?? "not measured").split(/; (?=round \d+: )/)[0].replace(/^round \d+: /, "");
      return `PyTorch at N = ${x.worldSize} did not run: ${why}.`;
    });
  const failed = d.failures.map((f) => `Failed: ${f}.`);
  return [
    table(
      [
        "N",
        "who",
        "ms/step",
        "x PyTorch",
        "all-to-all waited / busy, ms",
        "all-reduce waited / busy, ms",
        "sent per rank per step (all-to-all / all-reduce)",
        "overlap (median / overall)",
        `plan (ours: --sharding ${d.sharding ?? "auto"}): tables per kind`,
        "per-round medians, ms",
      ],
      rows,
    ),
    "",
    `ms per training step, eager, median over ${r.rounds ?? 1} round${(r.rounds ?? 1) === 1 ? "" : "s"} of ${r.warmup} warm-up + ${r.iterations} steps; each step is its slowest rank's; x PyTorch = ratio of the medians at the same N. ` +
      "The collectives: waited = ms the step waited for them, busy = ms from start to end (the max over ranks, median over steps); overlap = 1 - waited / busy over every rank (1: entirely behind compute). " +
      `Every device is the host CPU (the gaudi backend's device is the host CPU here); the machine has ${r.machine.cores} cores` +
      (Math.max(...d.worldSizes) > r.machine.cores
        ? `, so N = ${Math.max(...d.worldSizes)} oversubscribes them (one thread per rank) and tests the exchange, not scaling`
        : "") +
      "; the machine is shared with other jobs, so the figures are noisy. " +
      "PyTorch runs in the same run, before our jobs at each N in every round; its script places tables table-wise only (contiguous slices of the table list) and its collectives are synchronous. " +
      [...missing, ...failed].join(" ") +
      (missing.length + failed.length > 0 ? " " : "") +
      "Made by:",
    "",
    source(file, r, `, PyTorch by ${torchCmd.replace(/^\/usr\/bin\/python3 \S*\/tools\//, "tools/")}`),
  ].join("\n");
}

/** docs/SCALING.md: the MLPerf DLRMv2 plans of scripts/scaling-projection.mjs, one table per bag size. */
function scalingPlanBlock({ file, json: r }) {
  const gib = (b) => (b / 2 ** 30).toFixed(2);
  const mbs = (b) => (b / 1e6).toFixed(1);
  const kinds = (k) =>
    ["table", "row", "column", "replicated"]
      .filter((x) => k[x] !== undefined)
      .map((x) => `${k[x]} ${x}`)
      .join(", ");
  const lines = [];
  for (const bag of r.bags) {
    const plans = r.plans.filter((p) => p.bag === bag.id);
    lines.push(
      `${bag.words}:`,
      "",
      table(
        [
          "N",
          "samples per rank",
          "the five 40M-row tables",
          "tables by kind",
          "memory per rank, GiB (largest / smallest)",
          "busiest rank: all-to-all / all-reduce MB per step",
          "collectives per step",
        ],
        plans.map((p) => [
          String(p.worldSize),
          String(p.localBatch),
          p.shape.largestTables,
          kinds(p.shape.kinds),
          `${gib(p.largestMemoryRank.memoryBytes)} / ${gib(p.minMemoryBytes)}`,
          `${mbs(p.busiestRank.allToAllBytes)} / ${mbs(p.busiestRank.allReduceBytes)}`,
          String(p.collectivesPerStep),
        ]),
      ),
      "",
    );
  }
  lines.push(
    `"row x 13": split by rows over 13 ranks; "column x 4": four column pieces on four ranks. Memory: the estimate the trainer checks (tables, Adagrad state, MLP replica, activations, buffers), under --memory-per-rank ${r.assumptions.memoryPerRank}. Made by (each plan by \`${r.plans[0].command.replace(/--world-size \d+/, "--world-size N")}\`):`,
    "",
    source(file, r),
  );
  return lines.join("\n");
}

/** docs/SCALING.md: projected ms per step, per world size and bandwidth, for each rate, bag and overlap. */
function scalingStepBlock({ file, json: r }) {
  const lines = [];
  const shown = [
    ...r.bags.map((b) => ({ rate: "accelerator-assumed", bag: b.id })),
    { rate: "host-cpu-measured", bag: r.bags[0].id },
  ];
  for (const { rate, bag } of shown)
    for (const overlap of r.assumptions.overlapFractions) {
      const rateOf = r.rates.find((x) => x.id === rate);
      const bagOf = r.bags.find((x) => x.id === bag);
      const find = (b, n, g) =>
        r.projections.find(
          (p) => p.bag === b && p.rate === rate && p.overlap === overlap && p.worldSize === n && p.bandwidthGBps === g,
        );
      const at = (n, g) => find(bag, n, g);
      const first = r.bags[0].id;
      const same = r.projections
        .filter((p) => p.bag === bag && p.rate === rate && p.overlap === overlap)
        .every((p) => p.stepSeconds === find(first, p.worldSize, p.bandwidthGBps)?.stepSeconds);
      if (bag !== first && same) {
        lines.push(
          `With ${bagOf.words}, and the same compute rate and overlap: every step time equals the table above (the busiest rank's bytes are the same, and the GEMM FLOPs do not depend on bag size).`,
          "",
        );
        continue;
      }
      lines.push(
        `Compute: ${rateOf.words}, ${(rateOf.flopsPerSecond / 1e12).toFixed(rateOf.flopsPerSecond < 1e12 ? 3 : 0)} TFLOP/s; ${bagOf.words}; overlap ${overlap === 0 ? "0" : `${overlap.toFixed(2)} (measured, median)`}:`,
        "",
        table(
          ["N", "compute ms", ...r.assumptions.bandwidthsGBps.map((g) => `${g} GB/s: ms (samples/s)`)],
          r.worldSizes.map((n) => [
            String(n),
            ms(at(n, r.assumptions.bandwidthsGBps[0]).computeSeconds * 1e3),
            ...r.assumptions.bandwidthsGBps.map((g) => {
              const p = at(n, g);
              return `${ms(p.stepSeconds * 1e3)} (${(p.samplesPerSecond / 1e6).toFixed(2)} M)`;
            }),
          ]),
        ),
        "",
      );
    }
  const host = r.rates.find((x) => x.id === "host-cpu-measured");
  lines.push(
    `${r.assumptions.formula}; alpha = ${(r.assumptions.alphaSeconds * 1e6).toFixed(0)} us; ${r.assumptions.overlapWords}. The host rate comes from:`,
    "",
    source(host.source.file, host.source),
    "",
    "The projection was made by:",
    "",
    source(file, r),
  );
  return lines.join("\n");
}

/** A measured all-to-all that counted the rank's own slice too: N / (N - 1) x the plan's bytes. */
const selfCounted = (m) =>
  m.worldSize > 1 &&
  m.measured.allToAllBytes !== Math.round(m.planned.allToAllBytes) &&
  Math.abs(m.measured.allToAllBytes - (m.planned.allToAllBytes * m.worldSize) / (m.worldSize - 1)) < 1;

/** docs/SCALING.md: bytes per step measured by `dlrm bench --world-size` beside the plan's byte model. */
function scalingMeasuredBlock({ file, json: r }) {
  if (r.measuredBytes.length === 0) return "No committed bench-results/dist-*.json holds a run at N > 1.";
  const files = [...new Set(r.measuredBytes.map((m) => m.file))];
  return [
    table(
      [
        "result file",
        "configuration",
        "backend",
        "N",
        "all-to-all bytes: measured / plan",
        "all-reduce bytes: measured / plan",
      ],
      r.measuredBytes.map((m) => [
        `\`${m.file}\`${m.commit ? ` (commit ${m.commit.slice(0, 12)})` : ""}`,
        m.config,
        label(m.backend),
        String(m.worldSize),
        `${m.measured.allToAllBytes} / ${Math.round(m.planned.allToAllBytes)}`,
        `${m.measured.allReduceBytes} / ${Math.round(m.planned.allReduceBytes)}`,
      ]),
    ),
    "",
    "Measured: the busiest rank's bytes sent per step as the runtime counts them; plan: `dlrm plan` for the same shape and N (the busiest rank)." +
      (r.measuredBytes.some(selfCounted)
        ? " Where the measured all-to-all is N / (N - 1) times the plan's, the file was written by an earlier runtime whose counter added the whole send buffer, including the slice a rank keeps for itself; the current one counts only the bytes sent to other ranks, as the plan does."
        : ""),
    "",
    "Made by:",
    "",
    ...files.map((f) =>
      source(
        f,
        r.measuredBytes.find((m) => m.file === f),
      ),
    ),
    ...[...new Set(r.measuredBytes.map((m) => m.planCommand))].map((c) => `- plan: \`${c}\``),
    "",
    source(file, r),
  ].join("\n");
}

/** `dlrm bench --serve`: requests/s and latency per server and client count, then AUC per quantization setting. */
function serveBlock({ file, json: r }) {
  const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
  const signed = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
  const o = r.onnxruntime;
  const speed = [
    ...r.variants.flatMap((v) =>
      v.loads.map((l) => [
        `dlrm serve ${v.name} (${v.where})`,
        String(l.connections),
        l.requestsPerSecond.toFixed(0),
        l.rowsPerSecond.toFixed(0),
        String(l.p50Ms),
        String(l.p99Ms),
        String(l.failed),
      ]),
    ),
    [
      `onnxruntime-node ${o.version}, in-process, no HTTP`,
      "1",
      (o.batches / o.seconds).toFixed(0),
      o.rowsPerSecond.toFixed(0),
      ms(o.p50Ms),
      ms(o.p99Ms),
      "0",
    ],
  ];
  const settings = [
    [
      "float32 (`dlrm serve`, backend)",
      mib(r.float32.tableBytes),
      kib(r.float32.mlpBytes),
      r.float32.auc.toFixed(4),
      "-",
      "-",
    ],
    ...r.quantized.map((q) => [
      `\`${q.flags.join(" ")}\``,
      mib(q.tableBytes),
      kib(q.mlpBytes),
      q.auc.toFixed(4),
      signed(q.auc - r.float32.auc),
      q.maxScoreDiff.toFixed(4),
    ]),
    [
      `onnxruntime-node (the exported float32 model)`,
      "-",
      "-",
      o.auc.toFixed(4),
      signed(o.auc - r.float32.auc),
      o.maxScoreDiff.toExponential(1),
    ],
  ];
  return [
    table(["server", "clients", "requests/s", "rows/s", "p50 ms", "p99 ms", "failed"], speed),
    "",
    `Each request carries ${r.rowsPerRequest} Criteo TSV lines (the held-out rows in turn); each client count runs until ${r.maxRequests} requests or ${r.maxSeconds} seconds, whichever comes first; autocannon's latencies are whole milliseconds. onnxruntime-node scores batches of the same ${r.rowsPerRequest} lines (parsed and hashed per batch) one after another; its requests/s column is batches per second.`,
    "",
    table(["scoring", "tables", "MLP weights", "AUC", "AUC change", "largest score change"], settings),
    "",
    `AUC on the ${r.model.heldOutRows.toLocaleString("en-US")} held-out rows (rows 9,001 to 10,000 of the sample) of a model trained on the first ${r.model.trainRows.toLocaleString("en-US")}; score changes are against the float32 server's scores of the same rows.`,
    `The machine has ${r.machine.cores} cores, shared with other jobs while this ran: the server, autocannon and onnxruntime compete for them, so the figures move from run to run.`,
    "",
    source(file, r),
  ].join("\n");
}

/** `dlrm bench --preprocess`: one row per contender, rows/s and the byte parser's speedup over it. */
function preprocessBlock({ file, json: r }) {
  const rows = r.timings.map((t, i) => [
    t.name,
    t.medianSeconds.toFixed(2),
    Math.round(t.rowsPerSecond).toLocaleString("en-US"),
    t.megabytesPerSecond.toFixed(1),
    i === 0 ? "1" : r.speedup[t.name].toFixed(2),
  ]);
  const pandas = "version" in r.pandas ? `pandas ${r.pandas.version}` : `pandas did not run: ${r.pandas.unavailable}`;
  return [
    table(["contender", "seconds (median)", "rows/s", "MB/s", "byte parser's speedup over it"], rows),
    "",
    `${r.rows.toLocaleString("en-US")} lines (${(r.bytes / 1e6).toFixed(1)} MB, ${r.input}), median of ${r.timings[0].seconds.length} runs after one warm-up, all in one run; ${pandas}; seconds include the line-count pass; the two parsers' chunk digests are equal (${r.identical}).`,
    "",
    source(file, r),
  ].join("\n");
}

const BLOCKS = {
  "bench-steps": {
    readme: "README.md",
    files: ["small.json", "kaggle.json", "medium.json", "dlrmv2.json"],
    render: stepsBlock,
  },
  "dist-kaggle": { readme: "README.md", files: ["dist-kaggle.json"], render: distBlock },
  "dist-kaggle-124": { readme: "README.md", files: ["dist-kaggle-124.json"], render: distScalingBlock },
  "dist-medium-124": { readme: "README.md", files: ["dist-medium-124.json"], render: distScalingBlock },
  "webgpu-gemm-lavapipe": {
    readme: "packages/backend-webgpu/README.md",
    files: ["webgpu-gemm-lavapipe.json"],
    render: webgpuGemmBlock,
  },
  "webgpu-step-lavapipe": {
    readme: "packages/backend-webgpu/README.md",
    files: ["webgpu-step-lavapipe.json"],
    render: webgpuStepBlock,
  },
  "gaudi-gemm-tiles": {
    readme: "packages/backend-gaudi/README.md",
    files: [
      "gaudi-gemm-kaggle-2t.json",
      "gaudi-gemm-kaggle-1t.json",
      "gaudi-gemm-kaggle-bf16-2t.json",
      "gaudi-gemm-medium-2t.json",
      "gaudi-gemm-medium-1t.json",
    ],
    render: gemmTilesBlock,
  },
  "gaudi-tiles-kaggle": {
    readme: "packages/backend-gaudi/README.md",
    files: ["old", "new"].flatMap((b) => [1, 2, 3].map((r) => `gaudi-tiles-kaggle-${b}-${r}.json`)),
    render: tilesStepBlock,
  },
  serve: { readme: "README.md", files: ["serve.json"], render: serveBlock },
  preprocess: { readme: "README.md", files: ["preprocess.json"], render: preprocessBlock },
  "scaling-plan": { readme: "docs/SCALING.md", files: ["scaling-projection.json"], render: scalingPlanBlock },
  "scaling-step": { readme: "docs/SCALING.md", files: ["scaling-projection.json"], render: scalingStepBlock },
  "scaling-measured": { readme: "docs/SCALING.md", files: ["scaling-projection.json"], render: scalingMeasuredBlock },
};

// ------------------------------------------------------------------ the run

function fail(problems) {
  for (const p of problems) console.error(p);
  process.exit(1);
}

/** Every README the figures rule covers: the root's, those one level under packages/, apps/, tools/, fixtures/, and docs/*.md. */
function readmes() {
  const out = existsSync(join(root, "README.md")) ? ["README.md"] : [];
  for (const top of ["packages", "apps", "tools", "fixtures"]) {
    if (!existsSync(join(root, top))) continue;
    for (const d of readdirSync(join(root, top)).sort())
      if (existsSync(join(root, top, d, "README.md"))) out.push(`${top}/${d}/README.md`);
  }
  if (existsSync(join(root, "docs")))
    for (const f of readdirSync(join(root, "docs")).sort()) if (f.endsWith(".md")) out.push(`docs/${f}`);
  return out;
}

const BEGIN = /^<!-- figures:begin ([\w-]+) -->$/;
const END = /^<!-- figures:end ([\w-]+) -->$/;
/** A figure: a number with a unit of time or rate, or a table row holding two or more decimals (a results table). */
const FIGURE = /\b\d[\d,]*(\.\d+)?\s?(ms|s\/step|GFLOP\/s|samples\/s)\b/;
const isFigure = (line) =>
  FIGURE.test(line) ||
  /x PyTorch\)? \d+\.\d+/.test(line) ||
  (/^\s*\|/.test(line) &&
    ((line.match(/(?<![\w.])\d+\.\d+(?![\w.])/g) ?? []).length >= 2 || /\| [\d,.]+ \/ [\d,.]+ \|/.test(line)));

const problems = [];
const seen = new Set();
for (const readme of readmes()) {
  const text = readFileSync(join(root, readme), "utf8");
  const lines = text.split("\n");
  const out = [];
  let fence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const begin = BEGIN.exec(line);
    if (begin === null) {
      if (END.test(line)) problems.push(`${readme}:${i + 1}: "${line}" without its begin marker`);
      if (/^\s*(```|~~~)/.test(line)) fence = !fence;
      else if (!fence && isFigure(line))
        problems.push(
          `${readme}:${i + 1}: a figure outside a figures block (it needs a committed result file: see scripts/readme-figures.mjs): ${line.trim().slice(0, 120)}`,
        );
      out.push(line);
      continue;
    }
    const id = begin[1];
    const end = lines.findIndex((l, j) => j > i && END.test(l));
    if (end < 0 || END.exec(lines[end])[1] !== id) {
      problems.push(`${readme}:${i + 1}: block "${id}" has no matching "<!-- figures:end ${id} -->"`);
      out.push(line);
      continue;
    }
    const block = BLOCKS[id];
    if (block === undefined)
      problems.push(`${readme}:${i + 1}: unknown block "${id}" (known: ${Object.keys(BLOCKS).join(", ")})`);
    else if (block.readme !== readme) problems.push(`${readme}:${i + 1}: block "${id}" belongs in ${block.readme}`);
    seen.add(id);
    let body = lines.slice(i + 1, end).join("\n");
    if (block !== undefined) {
      try {
        const inputs = block.files.map((f) => {
          const path = join(root, "bench-results", f);
          if (!existsSync(path))
            throw new Error(`bench-results/${f} is missing: commit the result file (or remove the block)`);
          return { file: `bench-results/${f}`, json: JSON.parse(readFileSync(path, "utf8")) };
        });
        const want = `\n${block.render(...inputs)}\n`;
        if (check && body !== want)
          problems.push(
            `${readme}: block "${id}" differs from ${block.files.map((f) => `bench-results/${f}`).join(", ")}: run node scripts/readme-figures.mjs`,
          );
        body = want;
      } catch (e) {
        problems.push(`${readme}: block "${id}": ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    out.push(line, body, lines[end]);
    i = end;
  }
  const next = out.join("\n");
  if (!check && next !== text) {
    writeFileSync(join(root, readme), next);
    console.log(`readme-figures: rewrote ${readme}`);
  }
}
for (const [id, b] of Object.entries(BLOCKS)) {
  if (!seen.has(id) && existsSync(join(root, b.readme)))
    problems.push(`${b.readme}: block "${id}" is registered but has no markers there`);
}
if (problems.length > 0) fail(problems);
console.log(
  `readme-figures: ${check ? "every README figure matches its result file" : "done"} (${seen.size} blocks, ${relative(process.cwd(), root) || "."})`,
);
