/**
 * `dlrm preprocess` (raw Criteo files to a processed directory, with a progress bar and
 * rows/s) and the dataset flags it shares with `dlrm train` and `dlrm eval`: dlrm's
 * --data-set, --raw-data-file, --processed-data-file, --max-ind-range, --data-randomize,
 * --data-sub-sample-rate, --memory-map, plus --bad-lines, --max-bad-line-ratio and
 * --data-prefetch-thread (batch assembly in a worker thread or on the main thread).
 */
import { existsSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import cliProgress from "cli-progress";
import { preprocessCriteo, type CategoricalMapping, type CriteoDataSet, type DataRandomize, DEFAULT_PREFETCH_THREAD, type PrefetchThread, type PreprocessOptions, type PreprocessResult, type TrainConfig } from "@dlrm/core";
import { UsageError } from "../errors.js";

/** The dataset part of a parsed command line. */
export interface DatasetSetup {
  dataSet: CriteoDataSet;
  rawFiles: string[];
  processedDir: string;
  mapping: CategoricalMapping;
  randomize: DataRandomize;
  subSampleRate: number;
  badLines: "strict" | "skip";
  maxBadLineRatio: number;
  memoryMap: boolean;
  /** Where training and evaluation batches are assembled. */
  prefetchThread: PrefetchThread;
  seed: number;
  rebuild: boolean;
  /** Evaluate on the test split every n steps (0 = at the end only). */
  testFreq: number;
  testMiniBatchSize: number;
  mlperfAucThreshold: number;
  mlperfAccThreshold: number;
}

function numberIn(lo: number, hi: number, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !(n >= lo && n <= hi)) throw new InvalidArgumentError(`expected ${what}.`);
    return n;
  };
}
const intArg = (v: string): number => {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
};

/** Adds the dataset flags that `dlrm train` and `dlrm eval` share with `dlrm preprocess`. */
export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--data-set <name>", "dataset: kaggle (one train.txt cut into 7 days) or terabyte (day_0 ... day_23)").choices(["kaggle", "terabyte"]).default("kaggle"))
    .addOption(new Option("--processed-data-file <dir>", "dataset: processed directory (built from --raw-data-file when missing; a stale one is refused)"))
    .addOption(new Option("--data-randomize <mode>", "dataset: shuffle training rows once, seeded: total, day (within each day) or none").choices(["total", "day", "none"]).default("total"))
    .addOption(new Option("--data-sub-sample-rate <r>", "dataset: drop each negative training row with probability r").argParser(numberIn(0, 0.999999, "a rate in [0, 1)")).default(0))
    .addOption(new Option("--bad-lines <mode>", "dataset: strict (a malformed line is an error) or skip (count it, write it to OUT.rejects.tsv)").choices(["strict", "skip"]).default("strict"))
    .addOption(new Option("--max-bad-line-ratio <r>", "dataset, --bad-lines skip: abort once malformed lines exceed this fraction").argParser(numberIn(0, 1, "a fraction in [0, 1]")).default(0.01))
    .addOption(new Option("--cat-min-frequency <n>", "dataset, dictionaries (--max-ind-range -1): values seen fewer times share one row").argParser(intArg).default(1))
    .addOption(new Option("--memory-map [bool]", "dataset: read batches from disk instead of loading the split into memory").argParser((v) => v.toLowerCase() !== "false").default(false))
    .addOption(new Option("--data-prefetch-thread <where>", "dataset: assemble batches in a worker thread or on the main thread").choices(["worker", "main"]).default(DEFAULT_PREFETCH_THREAD))
    .addOption(new Option("--rebuild", "dataset: rebuild a stale processed directory instead of refusing it").default(false))
    .addOption(new Option("--test-freq <n>", "dataset: evaluate on the test split every n steps (0 = after training only)").argParser(intArg).default(0))
    .addOption(new Option("--test-mini-batch-size <n>", "dataset: evaluation batch size (-1 = --mini-batch-size)").argParser(intArg).default(-1))
    .addOption(new Option("--mlperf-auc-threshold <auc>", "dataset: stop once the test AUC reaches this (0 = off)").argParser(numberIn(0, 1, "an AUC in [0, 1]")).default(0))
    .addOption(new Option("--mlperf-acc-threshold <acc>", "dataset: stop once the test accuracy reaches this (0 = off)").argParser(numberIn(0, 1, "an accuracy in [0, 1]")).default(0));
}

/** dlrm's Terabyte spelling: --raw-data-file PREFIX means PREFIX_0, PREFIX_1, ... when PREFIX itself is absent. */
export function expandRawFiles(files: readonly string[], dataSet: CriteoDataSet): string[] {
  if (dataSet !== "terabyte" || files.length !== 1 || existsSync(files[0]!)) return [...files];
  const days: string[] = [];
  while (existsSync(`${files[0]}_${days.length}`)) days.push(`${files[0]}_${days.length}`);
  return days.length > 0 ? days : [...files];
}

/** The dataset setup from parsed flags, or undefined without --processed-data-file. */
export function datasetFromOptions(cmd: Command, config: Pick<TrainConfig, "batchSize" | "seed">): DatasetSetup | undefined {
  const o = cmd.opts<Record<string, unknown>>();
  const processedDir = o.processedDataFile as string | undefined;
  if (processedDir === undefined) return undefined;
  const raw = o.rawDataFile as string | string[] | undefined;
  const range = o.maxIndRange as number;
  const minFrequency = o.catMinFrequency as number;
  if (minFrequency < 1) throw new UsageError("--cat-min-frequency", `expected a positive integer, got ${minFrequency}`);
  const testB = o.testMiniBatchSize as number;
  const dataSet = o.dataSet as CriteoDataSet;
  return {
    dataSet,
    rawFiles: expandRawFiles(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw], dataSet),
    processedDir,
    mapping: range > 0 ? { kind: "modulo", range } : { kind: "dictionary", minFrequency },
    randomize: o.dataRandomize as DataRandomize,
    subSampleRate: o.dataSubSampleRate as number,
    badLines: o.badLines as "strict" | "skip",
    maxBadLineRatio: o.maxBadLineRatio as number,
    memoryMap: o.memoryMap as boolean,
    prefetchThread: o.dataPrefetchThread as PrefetchThread,
    seed: config.seed,
    rebuild: o.rebuild as boolean,
    testFreq: o.testFreq as number,
    testMiniBatchSize: testB > 0 ? testB : config.batchSize,
    mlperfAucThreshold: o.mlperfAucThreshold as number,
    mlperfAccThreshold: o.mlperfAccThreshold as number,
  };
}

/** Builds (or resumes, or reuses) the processed directory, with a bar on a terminal and a summary line. */
export async function ensureProcessed(d: DatasetSetup, chunkRows?: number): Promise<PreprocessResult> {
  const opts: PreprocessOptions = {
    inputs: d.rawFiles, output: d.processedDir, dataSet: d.dataSet, mapping: d.mapping,
    badLines: { mode: d.badLines, maxBadLineRatio: d.maxBadLineRatio }, subSampleRate: d.subSampleRate,
    seed: d.seed, rebuild: d.rebuild, ...(chunkRows === undefined ? {} : { chunkRows }),
  };
  if (d.rawFiles.length === 0) {
    if (!existsSync(d.processedDir)) throw new UsageError("--raw-data-file", `is required: ${d.processedDir} does not exist yet`);
    const { ProcessedDataset } = await import("@dlrm/core");
    const ds = ProcessedDataset.open(d.processedDir);
    await ds.close();
    return { dir: ds.dir, summary: ds.summary, reusedChunks: ds.summary.chunks.length, writtenChunks: 0, seconds: 0 };
  }
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: "{phase} |{bar}| {percentage}% | {rows} rows | {rate} rows/s | {mb} MB/s | ETA {eta_formatted}", hideCursor: false }, cliProgress.Presets.shades_classic)
    : undefined;
  opts.onWaitForLock = (pid) => process.stderr.write(`dlrm: waiting for process ${pid}, which is preprocessing ${d.processedDir}\n`);
  const t0 = performance.now();
  let started = false;
  opts.onProgress = (p) => {
    if (bar === undefined) return;
    const s = (performance.now() - t0) / 1000;
    const payload = { phase: p.phase, rows: p.lines, rate: Math.round(p.lines / Math.max(s, 1e-3)), mb: (p.bytes / 1e6 / Math.max(s, 1e-3)).toFixed(1) };
    if (!started) bar.start(p.totalBytes, 0, payload);
    started = true;
    bar.update(p.bytes, payload);
  };
  try {
    const r = await preprocessCriteo(opts);
    bar?.stop();
    return r;
  } finally {
    bar?.stop();
  }
}

/** One line about a preprocessing result. */
export function preprocessSummaryLine(r: PreprocessResult, inputBytes: number): string {
  const s = r.summary;
  const rate = r.writtenChunks > 0 && r.seconds > 0 ? `, ${Math.round(s.lines / r.seconds)} rows/s, ${(inputBytes / 1e6 / r.seconds).toFixed(1)} MB/s` : "";
  return (
    `Processed ${r.dir}: ${s.rows} rows in ${s.dayRows.length} days (${s.dayRows.join(", ")}), ` +
    `${r.writtenChunks} chunks written, ${r.reusedChunks} reused, ${r.seconds.toFixed(1)} s${rate}; ` +
    `${s.badLines} bad lines, ${s.subSampled} negatives sub-sampled, ${s.missingDense} missing dense, ${s.missingSparse} missing categorical; ` +
    `tables ${Math.min(...s.tableRows)}..${Math.max(...s.tableRows)} rows`
  );
}

/** Registers `dlrm preprocess`. */
export function registerPreprocess(program: Command): void {
  addDatasetOptions(
    program
      .command("preprocess")
      .description("Convert raw Criteo files (plain or gzip) to a processed directory of dlrm's 40 x int32 binary rows; resumable.")
      .requiredOption("--raw-data-file <files...>", "raw Criteo files: Kaggle train.txt, or Terabyte day_0 ... day_23 (or the prefix day)")
      .addOption(new Option("--max-ind-range <n>", "categorical hash modulo n (-1 = per-column dictionaries in first-seen order)").argParser(intArg).default(-1))
      .addOption(new Option("--numpy-rand-seed <n>", "seed for --data-sub-sample-rate").argParser(intArg).default(123))
      .addOption(new Option("--chunk-rows <n>", "lines per chunk, the unit a rerun resumes from").argParser(intArg).default(1 << 18)),
  ).action(async (_o: unknown, cmd: Command) => {
    const o = cmd.opts<Record<string, unknown>>();
    if (o.processedDataFile === undefined) throw new UsageError("--processed-data-file", "is required");
    const d = datasetFromOptions(cmd, { batchSize: 1, seed: o.numpyRandSeed as number })!;
    const r = await ensureProcessed(d, o.chunkRows as number);
    const { statSync } = await import("node:fs");
    process.stdout.write(`${preprocessSummaryLine(r, d.rawFiles.reduce((a, f) => a + statSync(f).size, 0))}\n`);
    if (r.summary.badLines > 0) process.stdout.write(`Rejected lines: ${r.dir}.rejects.tsv; first: ${r.summary.badLineMessages[0] ?? ""}\n`);
  });
}
