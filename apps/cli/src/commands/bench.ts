/**
 * `dlrm bench`: the training step of a benchmark configuration on each registered backend
 * and mode (ms/iteration, samples/s, GFLOP/s, fraction of the measured GEMM peak, memory,
 * eager phase and op-category split) beside PyTorch's step (--torch, --rounds), plus per-op
 * micro-benchmarks, as a table, --json and a self-contained --html page;
 * `--compare A.json B.json` prints the ratio per row instead of measuring.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import type { BackendFactory, ExecutionMode, Precision } from "@dlrm/core";
import { BACKENDS } from "@dlrm/backends";
import { BENCH_CONFIGS, formatBench, formatComparison, noTorch, pythonTorchRunner, readBenchReport, renderHtml, runBench, type BenchReport, type TorchRunner } from "@dlrm/bench";
import { UsageError } from "../errors.js";
import { selectBackends, toJson } from "./select-backends.js";

/** Parsed flags of `dlrm bench`. */
export interface BenchFlags {
  config: string;
  backends?: string;
  mode: string;
  /** --modes, the spelling of the retired standalone step script; wins over --mode when given. */
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
}

/** Configurations on which the float64 reference backend is left out unless named in --backends. */
const REFERENCE_TOO_SLOW = new Set(["kaggle", "medium"]);

function positiveInt(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(flag, `expected an integer >= ${min}, got "${value}"`);
  return n;
}

/** The modes of --mode ("eager", "lazy" or "eager,lazy"). */
export function parseModes(value: string): ExecutionMode[] {
  const modes = value.split(",").map((s) => s.trim());
  for (const m of modes) if (m !== "eager" && m !== "lazy") throw new UsageError("--mode", `expected eager, lazy or eager,lazy, got "${value}"`);
  return [...new Set(modes)] as ExecutionMode[];
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
  flags: BenchFlags, registry: readonly BackendFactory[], out: (s: string) => void, progress: (s: string) => void, torch?: TorchRunner,
): Promise<BenchReport | undefined> {
  if (flags.compare !== undefined) {
    if (flags.compare.length !== 2) throw new UsageError("--compare", "expected two files: --compare A.json B.json");
    const [a, b] = flags.compare as [string, string];
    out(`${formatComparison(readBenchReport(a), readBenchReport(b), [a, b])}\n`);
    return undefined;
  }
  const config = BENCH_CONFIGS[flags.config];
  if (config === undefined) throw new UsageError("--config", `unknown configuration "${flags.config}" (known: ${Object.keys(BENCH_CONFIGS).join(", ")})`);
  const factories = selectBackends(flags.backends, registry);
  const exclude = new Map<string, string>();
  if (flags.backends === undefined && REFERENCE_TOO_SLOW.has(config.name)) {
    exclude.set("reference", `the float64 reference takes minutes per ${config.name} step; name it in --backends to run it anyway`);
  }
  const report = await runBench({
    config, precision: flags.dtype, factories, modes: parseModes(flags.modes ?? flags.mode), iterations: positiveInt("--iterations", flags.iterations, 1),
    warmup: positiveInt("--warmup", flags.warmup, 0), peakSize: positiveInt("--peak-size", flags.peakSize, 0), micro: flags.micro, opSplit: flags.opSplit,
    rounds: positiveInt("--rounds", flags.rounds, 1), torch: torch ?? torchRunnerFor(flags.torch), exclude, onProgress: progress,
  });
  out(`${formatBench(report)}\n`);
  if (flags.json !== undefined) {
    writeFileSync(flags.json, toJson(report));
    progress(`bench: wrote ${flags.json}`);
  }
  if (flags.html !== undefined) {
    writeFileSync(flags.html, renderHtml(report));
    progress(`bench: wrote ${flags.html}`);
  }
  return report;
}

/** Registers `dlrm bench` on the program. */
export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("Benchmark the training step per backend and mode beside PyTorch's (ms/iteration, x PyTorch, GFLOP/s vs the measured GEMM peak, memory, phase and op-category split) and per-op kernels.")
    .addOption(new Option("--config <name>", "benchmark configuration").choices(Object.keys(BENCH_CONFIGS)).default("small"))
    .option("--backends <list>", "comma-separated backend names (default: every registered backend; the reference is left out on kaggle/medium)")
    .option("--mode <modes>", "eager, lazy or eager,lazy", "eager,lazy")
    .addOption(new Option("--modes <modes>", "the same as --mode").hideHelp())
    .addOption(new Option("--dtype <dtype>", "precision of the step's GEMMs and dot interaction (bf16: mixed precision; the peak stays fp32)").choices(["fp32", "bf16"]).default("fp32"))
    .option("--iterations <n>", "measured iterations per row", "20")
    .option("--warmup <n>", "unmeasured warm-up iterations per row", "3")
    .option("--peak-size <n>", "side of the square GEMM that measures the peak (0: skip)", "1024")
    .option("--rounds <n>", "rounds, each running PyTorch once then every backend and mode; rows give medians over rounds", "1")
    .option("--torch [path]", "PyTorch's step beside ours: torch_dlrm_bench.py run by /usr/bin/python3 (default: ../shared/tools/torch_dlrm_bench.py when it and torch are there; none: skip)")
    .option("--no-micro", "skip the per-op micro-benchmarks")
    .option("--no-op-split", "skip the op-category split (gemm, embedding, interaction, optimizer, data, other) of the eager step")
    .option("--json <file>", "write the report as JSON (for --compare)")
    .option("--html <file>", "write a self-contained HTML page with charts")
    .option("--compare <files...>", "compare two --json reports (A.json B.json): ratio B/A per row")
    .action(async (flags: BenchFlags) => {
      const report = await runBenchCommand(flags, BACKENDS, (s) => process.stdout.write(s), (s) => process.stderr.write(`${s}\n`));
      const failed = report?.backends.filter((b) => b.status === "failed") ?? [];
      if (failed.length > 0) throw new Error(`bench: ${failed.map((b) => `${b.name} failed (${b.reason})`).join("; ")}`);
    });
}
