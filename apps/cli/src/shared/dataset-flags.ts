/**
 * The dataset flags that `dlrm preprocess`, `dlrm train` and `dlrm eval` share: dlrm's
 * --data-set, --processed-data-file, --data-randomize, --data-sub-sample-rate,
 * --memory-map, plus --bad-lines, --max-bad-line-ratio, --data-prefetch-thread and the
 * evaluation flags, parsed (with each command's --raw-data-file and --max-ind-range)
 * into one DatasetSetup.
 */
import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import {
  type CategoricalMapping,
  type CriteoDataSet,
  type DataRandomize,
  DEFAULT_PREFETCH_THREAD,
  type PrefetchThread,
  type TrainConfig,
} from "@dlrm/core";
import { UsageError } from "../errors.js";
import { intArg, numberIn } from "./flag-values.js";

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
  /** Training batches requested ahead (`--num-workers`; absent: the source's default). */
  prefetch?: number;
  seed: number;
  rebuild: boolean;
  /** Evaluate on the test split every n steps (0 = at the end only). */
  testFreq: number;
  testMiniBatchSize: number;
  mlperfAucThreshold: number;
  mlperfAccThreshold: number;
}

/** Adds the dataset flags that `dlrm train` and `dlrm eval` share with `dlrm preprocess`. */
export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--data-set <name>", "dataset: kaggle (one train.txt cut into 7 days) or terabyte (day_0 ... day_23)")
        .choices(["kaggle", "terabyte"])
        .default("kaggle"),
    )
    .addOption(
      new Option(
        "--processed-data-file <dir>",
        "dataset: processed directory (built from --raw-data-file when missing; a stale one is refused)",
      ),
    )
    .addOption(
      new Option(
        "--data-randomize <mode>",
        "dataset: shuffle training rows once, seeded: total, day (within each day) or none",
      )
        .choices(["total", "day", "none"])
        .default("total"),
    )
    .addOption(
      new Option("--data-sub-sample-rate <r>", "dataset: drop each negative training row with probability r")
        .argParser(numberIn(0, 0.999999, "a rate in [0, 1)"))
        .default(0),
    )
    .addOption(
      new Option(
        "--bad-lines <mode>",
        "dataset: strict (a malformed line is an error) or skip (count it, write it to OUT.rejects.tsv)",
      )
        .choices(["strict", "skip"])
        .default("strict"),
    )
    .addOption(
      new Option(
        "--max-bad-line-ratio <r>",
        "dataset, --bad-lines skip: abort once malformed lines exceed this fraction",
      )
        .argParser(numberIn(0, 1, "a fraction in [0, 1]"))
        .default(0.01),
    )
    .addOption(
      new Option(
        "--cat-mapping <kind>",
        "dataset, with --max-ind-range N: modulo (hash % N, every table N rows) or dlrm (dlrm_s_pytorch.py's: hash % N numbered per column in first-seen order, each table as many rows as values seen; loads dlrm's checkpoints). Without --max-ind-range both are dlrm's dictionaries",
      )
        .choices(["modulo", "dlrm"])
        .default("modulo"),
    )
    .addOption(
      new Option(
        "--cat-min-frequency <n>",
        "dataset, dictionaries (--max-ind-range -1 or --cat-mapping dlrm): values seen fewer times share one row",
      )
        .argParser(intArg)
        .default(1),
    )
    .addOption(
      new Option("--memory-map [bool]", "dataset: read batches from disk instead of loading the split into memory")
        .argParser((v) => v.toLowerCase() !== "false")
        .default(false),
    )
    .addOption(
      new Option("--data-prefetch-thread <where>", "dataset: assemble batches in a worker thread or on the main thread")
        .choices(["worker", "main"])
        .default(DEFAULT_PREFETCH_THREAD),
    )
    .addOption(
      new Option("--rebuild", "dataset: rebuild a stale processed directory instead of refusing it").default(false),
    )
    .addOption(
      new Option("--test-freq <n>", "dataset: evaluate on the test split every n steps (0 = after training only)")
        .argParser(intArg)
        .default(0),
    )
    .addOption(
      new Option("--test-mini-batch-size <n>", "dataset: evaluation batch size (-1 = --mini-batch-size)")
        .argParser(intArg)
        .default(-1),
    )
    .addOption(
      new Option("--mlperf-auc-threshold <auc>", "dataset: stop once the test AUC reaches this (0 = off)")
        .argParser(numberIn(0, 1, "an AUC in [0, 1]"))
        .default(0),
    )
    .addOption(
      new Option("--mlperf-acc-threshold <acc>", "dataset: stop once the test accuracy reaches this (0 = off)")
        .argParser(numberIn(0, 1, "an accuracy in [0, 1]"))
        .default(0),
    );
}

/** dlrm's Terabyte spelling: --raw-data-file PREFIX means PREFIX_0, PREFIX_1, ... when PREFIX itself is absent. */
export function expandRawFiles(files: readonly string[], dataSet: CriteoDataSet): string[] {
  if (dataSet !== "terabyte" || files.length !== 1 || existsSync(files[0]!)) return [...files];
  const days: string[] = [];
  while (existsSync(`${files[0]}_${days.length}`)) days.push(`${files[0]}_${days.length}`);
  return days.length > 0 ? days : [...files];
}

/** --cat-mapping and --max-ind-range as a mapping: see the flag's help. */
function mappingOf(kind: string, range: number, minFrequency: number): CategoricalMapping {
  if (range <= 0) return { kind: "dictionary", minFrequency };
  return kind === "dlrm" ? { kind: "dictionary", minFrequency, modulo: range } : { kind: "modulo", range };
}

/** The dataset setup from parsed flags, or undefined without --processed-data-file. */
export function datasetFromOptions(
  cmd: Command,
  config: Pick<TrainConfig, "batchSize" | "seed">,
): DatasetSetup | undefined {
  const o = cmd.opts<Record<string, unknown>>();
  const processedDir = o.processedDataFile as string | undefined;
  if (processedDir === undefined) {
    if (cmd.getOptionValueSource("testFreq") === "cli" && (o.testFreq as number) > 0)
      throw new UsageError(
        "--test-freq",
        "evaluates dlrm's test split, which needs a processed directory: add --processed-data-file DIR (built from --raw-data-file on first use, with dlrm's day split)",
      );
    const rawFiles = o.rawDataFile as string | string[] | undefined;
    const npz = [rawFiles ?? []].flat().find((f) => f.toLowerCase().endsWith(".npz"));
    if (npz !== undefined)
      throw new UsageError(
        "--raw-data-file",
        `${npz} is a processed .npz (dlrm's data_utils.py): add --processed-data-file DIR to convert it once and train from it`,
      );
    if (o.catMapping === "dlrm")
      throw new UsageError(
        "--cat-mapping",
        "dlrm numbers the values seen in the whole file, which preprocessing does once: add --processed-data-file DIR (built from --raw-data-file on first use)",
      );
    return undefined;
  }
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
    mapping: mappingOf(o.catMapping as string, range, minFrequency),
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
