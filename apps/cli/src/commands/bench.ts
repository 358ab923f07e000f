/**
 * `dlrm bench`: the training step of a benchmark configuration on each registered backend
 * and mode (ms/iteration, samples/s, GFLOP/s, fraction of the measured GEMM peak, memory,
 * eager phase and op-category split) beside PyTorch's step (--torch, --rounds), plus per-op
 * micro-benchmarks, as a table, --json and a self-contained --html page;
 * `--world-size 1,2` measures the multi-process step instead (mpirun jobs per N, backend and
 * mode, tables placed by `--sharding`, beside PyTorch's hybrid-parallel step at each N);
 * `--compare A.json B.json` prints the ratio per row instead of measuring. Exits 1 when a
 * backend failed or a backend named in DLRM_REQUIRED_BACKENDS did not run.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { SHARDING_CHOICES, type BackendFactory, type ExecutionMode, type Precision } from "@dlrm/core";
import { BACKENDS } from "@dlrm/backends";
import {
  BENCH_CONFIGS,
  DEFAULT_JOB_TIMEOUT_MS,
  formatBench,
  formatComparison,
  noDistTorch,
  noTorch,
  processDistStepRunner,
  pythonTorchDistRunner,
  pythonTorchRunner,
  benchRunProblems,
  commandLine,
  readBenchReport,
  renderHtml,
  runBench,
  runDistBench,
  type BenchReport,
  type DistStepRunner,
  type DistTorchRunner,
  type TorchRunner,
} from "@dlrm/bench";
import { parseRequiredBackends } from "@dlrm/conformance";
import { UsageError } from "../errors.js";
import { selectBackends, toJson } from "../shared/select-backends.js";
import { addPreprocessBenchOptions, runPreprocessBenchCommand, type PreprocessBenchFlags } from "./bench-preprocess.js";
import { addServeBenchOptions, serveBenchRequested } from "../shared/serve-bench-flags.js";
import { runServeBenchCommand } from "../bench-serve/serve-bench-command.js";

/** Parsed flags of `dlrm bench`. */
export interface BenchFlags {
  config: string;
  backends?: string;
  /** Absent: eager,lazy (with --world-size: eager). */
  mode?: string;
  /** --modes, a second spelling of --mode; wins over --mode when given. */
  modes?: string;
  dtype: Precision;
  iterations: string;
  warmup: string;
  peakSize: string;
  micro: boolean;
  opSplit: boolean;
  rounds: string;
  /** undefined or true (bare flag): the shared script; "none": skip; otherwise a script path. */
  torch?: string | boolean;
  json?: string;
  html?: string;
  compare?: string[];
  /** --world-size 1,2: the multi-process benchmark at each world size. */
  worldSize?: string;
  /** --job-timeout: seconds one --world-size job (ours or PyTorch's) may run before it is killed. */
  jobTimeout?: string;
  /** --sharding: how --world-size jobs place the tables (auto, table, row, column, replicated); only with --world-size. */
  sharding?: string;
  /** Not a flag: the command line that ran, recorded in --json as "command" (scripts/readme-figures.mjs prints it). */
  command?: string;
}

/** Backends of --world-size when --backends is absent. */
const DIST_DEFAULT_BACKENDS = "gaudi,wasm";

/** Configurations on which the float64 reference backend is left out unless named in --backends. */
const REFERENCE_TOO_SLOW = new Set(["kaggle", "medium", "dlrmv2"]);

function positiveInt(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(flag, `expected an integer >= ${min}, got "${value}"`);
  return n;
}

/** The modes of --mode ("eager", "lazy" or "eager,lazy"). */
export function parseModes(value: string): ExecutionMode[] {
  const modes = value.split(",").map((s) => s.trim());
  for (const m of modes)
    if (m !== "eager" && m !== "lazy")
      throw new UsageError("--mode", `expected eager, lazy or eager,lazy, got "${value}"`);
  return [...new Set(modes)] as ExecutionMode[];
}

/** --sharding's value: one of SHARDING_CHOICES. */
export function parseSharding(value: string): (typeof SHARDING_CHOICES)[number] {
  const v = SHARDING_CHOICES.find((c) => c === value);
  if (v === undefined)
    throw new UsageError("--sharding", `expected one of ${SHARDING_CHOICES.join(", ")}, got "${value}"`);
  return v;
}

/** The world sizes of --world-size ("1,2"): positive integers, in the order given, without repeats. */
export function parseWorldSizes(value: string): number[] {
  const parts = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0)
    throw new UsageError("--world-size", `expected a comma-separated list of world sizes, e.g. 1,2, got "${value}"`);
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError("--world-size", `expected positive integers (e.g. 1,2), got "${p}" in "${value}"`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** The PyTorch hybrid-parallel runner --torch asks for with --world-size: none, tools/torch/torch_dlrm_dist.py (default), or the script at a path. */
export function distTorchRunnerFor(flag: string | boolean | undefined, timeoutMs: number): DistTorchRunner {
  if (flag === "none") return noDistTorch("--torch none");
  return typeof flag === "string"
    ? pythonTorchDistRunner(resolve(flag), undefined, timeoutMs)
    : pythonTorchDistRunner(undefined, undefined, timeoutMs);
}

/** The PyTorch runner --torch asks for: none, the shared script (default), or the script at a path. */
export function torchRunnerFor(flag: string | boolean | undefined): TorchRunner {
  if (flag === "none") return noTorch("--torch none");
  return typeof flag === "string" ? pythonTorchRunner(resolve(flag)) : pythonTorchRunner();
}

/**
 * Runs `dlrm bench` with parsed flags; returns the report (undefined in compare mode).
 * `torch` replaces the runner --torch picks (tests inject a fake one).
 */
export async function runBenchCommand(
  flags: BenchFlags,
  registry: readonly BackendFactory[],
  out: (s: string) => void,
  progress: (s: string) => void,
  torch?: TorchRunner,
  dist?: { torch?: DistTorchRunner; runner?: DistStepRunner },
): Promise<BenchReport | undefined> {
  if (flags.compare !== undefined) {
    if (flags.compare.length !== 2) throw new UsageError("--compare", "expected two files: --compare A.json B.json");
    const [a, b] = flags.compare as [string, string];
    out(`${formatComparison(readBenchReport(a), readBenchReport(b), [a, b])}\n`);
    return undefined;
  }
  const config = BENCH_CONFIGS[flags.config];
  if (config === undefined)
    throw new UsageError(
      "--config",
      `unknown configuration "${flags.config}" (known: ${Object.keys(BENCH_CONFIGS).join(", ")})`,
    );
  if (flags.sharding !== undefined && flags.worldSize === undefined)
    throw new UsageError("--sharding", "only applies with --world-size (one process holds every table whole)");
  if (flags.worldSize !== undefined) {
    const worldSizes = parseWorldSizes(flags.worldSize);
    for (const n of worldSizes) {
      if (config.train.batchSize % n !== 0)
        throw new UsageError(
          "--world-size",
          `${n}: the ${config.name} batch ${config.train.batchSize} does not divide evenly over ${n} ranks`,
        );
    }
    const timeoutMs =
      flags.jobTimeout === undefined
        ? DEFAULT_JOB_TIMEOUT_MS
        : positiveInt("--job-timeout", flags.jobTimeout, 1) * 1000;
    const report = await runDistBench({
      config,
      precision: flags.dtype,
      factories: selectBackends(flags.backends ?? DIST_DEFAULT_BACKENDS, registry),
      modes: parseModes(flags.modes ?? flags.mode ?? "eager"),
      worldSizes,
      iterations: positiveInt("--iterations", flags.iterations, 1),
      warmup: positiveInt("--warmup", flags.warmup, 0),
      rounds: positiveInt("--rounds", flags.rounds, 1),
      sharding: parseSharding(flags.sharding ?? "auto"),
      torch: dist?.torch ?? distTorchRunnerFor(flags.torch, timeoutMs),
      runner: dist?.runner ?? processDistStepRunner(timeoutMs),
      onProgress: progress,
    });
    out(`${formatBench(report)}\n`);
    if (flags.json !== undefined) {
      writeFileSync(flags.json, toJson(flags.command === undefined ? report : { ...report, command: flags.command }));
      progress(`bench: wrote ${flags.json}`);
    }
    if (flags.html !== undefined) {
      writeFileSync(flags.html, await renderHtml(report));
      progress(`bench: wrote ${flags.html}`);
    }
    return report;
  }
  const factories = selectBackends(flags.backends, registry);
  const exclude = new Map<string, string>();
  if (flags.backends === undefined && REFERENCE_TOO_SLOW.has(config.name)) {
    exclude.set(
      "reference",
      `the float64 reference takes minutes per ${config.name} step; name it in --backends to run it anyway`,
    );
  }
  const report = await runBench({
    config,
    precision: flags.dtype,
    factories,
    modes: parseModes(flags.modes ?? flags.mode ?? "eager,lazy"),
    iterations: positiveInt("--iterations", flags.iterations, 1),
    warmup: positiveInt("--warmup", flags.warmup, 0),
    peakSize: positiveInt("--peak-size", flags.peakSize, 0),
    micro: flags.micro,
    opSplit: flags.opSplit,
    rounds: positiveInt("--rounds", flags.rounds, 1),
    torch: torch ?? torchRunnerFor(flags.torch),
    exclude,
    onProgress: progress,
  });
  out(`${formatBench(report)}\n`);
  if (flags.json !== undefined) {
    writeFileSync(flags.json, toJson(flags.command === undefined ? report : { ...report, command: flags.command }));
    progress(`bench: wrote ${flags.json}`);
  }
  if (flags.html !== undefined) {
    writeFileSync(flags.html, await renderHtml(report));
    progress(`bench: wrote ${flags.html}`);
  }
  return report;
}

/** Registers `dlrm bench` on the program. */
export function registerBench(program: Command): void {
  addServeBenchOptions(addPreprocessBenchOptions(program.command("bench")))
    .description(
      "Benchmark the training step per backend and mode beside PyTorch's (ms/iteration, x PyTorch, GFLOP/s vs the measured GEMM peak, memory, phase and op-category split) and per-op kernels.",
    )
    .addOption(
      new Option("--config <name>", "benchmark configuration").choices(Object.keys(BENCH_CONFIGS)).default("small"),
    )
    .option(
      "--backends <list>",
      "comma-separated backend names (default: every registered backend; the reference is left out on kaggle/medium/dlrmv2)",
    )
    .option("--mode <modes>", "eager, lazy or eager,lazy (default: eager,lazy; with --world-size: eager)")
    .addOption(new Option("--modes <modes>", "the same as --mode").hideHelp())
    .addOption(
      new Option(
        "--dtype <dtype>",
        "precision of the step's GEMMs and dot interaction (bf16: mixed precision; the peak stays fp32)",
      )
        .choices(["fp32", "bf16"])
        .default("fp32"),
    )
    .option("--iterations <n>", "measured iterations per row", "20")
    .option("--warmup <n>", "unmeasured warm-up iterations per row", "3")
    .option("--peak-size <n>", "side of the square GEMM that measures the peak (0: skip)", "1024")
    .option(
      "--rounds <n>",
      "rounds, each running PyTorch once then every backend and mode; rows give medians over rounds",
      "1",
    )
    .option(
      "--torch [path]",
      "PyTorch's step beside ours: torch_dlrm_bench.py (with --world-size: torch_dlrm_dist.py) run by /usr/bin/python3 (default: tools/torch/ in this repository, else ../shared/tools/, when it and torch are there; none: skip)",
    )
    .option(
      "--world-size <list>",
      "measure the multi-process step instead, at each world size (comma-separated, e.g. 1,2): mpirun jobs per N, backend (default gaudi,wasm) and mode (default eager), beside PyTorch's hybrid-parallel step at N",
    )
    .option(
      "--sharding <kind>",
      "with --world-size: how our jobs place the tables over the ranks: auto (the planner's choice per table, default), table, row, column or replicated",
    )
    .option(
      "--job-timeout <seconds>",
      `with --world-size: seconds one job (ours or PyTorch's) may run before it is killed (default ${DEFAULT_JOB_TIMEOUT_MS / 1000})`,
    )
    .option("--no-micro", "skip the per-op micro-benchmarks")
    .option(
      "--no-op-split",
      "skip the op-category split (gemm, embedding, interaction, optimizer, data, other) of the eager step",
    )
    .option("--json <file>", "write the report as JSON (for --compare)")
    .option("--html <file>", "write a self-contained HTML page with charts")
    .option("--compare <files...>", "compare two --json reports (A.json B.json): ratio B/A per row")
    .action(async (flags: BenchFlags & PreprocessBenchFlags, cmd: Command) => {
      if (flags.preprocess) return runPreprocessBenchCommand(flags);
      if (serveBenchRequested(cmd)) return runServeBenchCommand(cmd);
      const report = await runBenchCommand(
        { ...flags, command: commandLine() },
        BACKENDS,
        (s) => process.stdout.write(s),
        (s) => process.stderr.write(`${s}\n`),
      );
      const problems =
        report === undefined
          ? []
          : benchRunProblems(report.backends, parseRequiredBackends(process.env.DLRM_REQUIRED_BACKENDS));
      if (problems.length > 0) throw new Error(`bench: ${problems.join("; ")}`);
    });
}
