/**
 * dlrm's --mlperf-bin-loader and --mlperf-bin-shuffle for `dlrm train --data-generation
 * dataset`: train on dlrm's binary split files instead of a processed directory, as
 * dlrm_data_pytorch.py names them: PREFIX_train.bin and PREFIX_test.bin, PREFIX the
 * --processed-data-file path without its extension, tables sized by --raw-data-file's
 * RAW_fea_count.npz (capped at --max-ind-range). Opened as a DatasetRun (shared/dataset-run.ts).
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Command, Option } from "commander";
import { createCriteoBinSource, evaluate, readFeatureCounts, type TrainConfig } from "@dlrm/core";
import { UsageError } from "../errors.js";
import type { DatasetSetup } from "./dataset-flags.js";
import { configForTables, type DatasetRun } from "./dataset-run.js";
import { evaluationLine, reachesThresholds } from "./evaluation.js";
import { boolArg } from "./flag-values.js";

/** The .bin files of a run. */
export interface BinLoaderFlags {
  binLoader?: { train: string; test: string; counts: string; shuffle: boolean };
}

/** Adds --mlperf-bin-loader and --mlperf-bin-shuffle to `cmd`. */
export function addBinLoaderOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--mlperf-bin-loader [bool]",
        "dataset: read dlrm's PREFIX_train.bin / PREFIX_test.bin (PREFIX: --processed-data-file without extension) and RAW_fea_count.npz (a bare flag means True)",
      )
        .argParser(boolArg)
        .default(false),
    )
    .addOption(
      new Option(
        "--mlperf-bin-shuffle [bool]",
        "with --mlperf-bin-loader: shuffle the order of the training batches every epoch, seeded (a bare flag means True)",
      )
        .argParser(boolArg)
        .default(false),
    );
}

/** The files --mlperf-bin-loader reads, each checked to exist (a usage error names the flag). */
export function binLoaderFromOptions(cmd: Command): BinLoaderFlags {
  const o = cmd.opts<{
    mlperfBinLoader: boolean;
    mlperfBinShuffle: boolean;
    dataGeneration: string;
    processedDataFile?: string;
    rawDataFile?: string | string[];
  }>();
  if (!o.mlperfBinLoader) {
    if (o.mlperfBinShuffle) throw new UsageError("--mlperf-bin-shuffle", "needs --mlperf-bin-loader");
    return {};
  }
  if (o.dataGeneration !== "dataset") throw new UsageError("--mlperf-bin-loader", "needs --data-generation dataset");
  if (o.processedDataFile === undefined)
    throw new UsageError("--mlperf-bin-loader", "needs --processed-data-file (the .bin files' prefix)");
  const raw = [o.rawDataFile ?? []].flat()[0];
  if (raw === undefined) throw new UsageError("--mlperf-bin-loader", "needs --raw-data-file (RAW_fea_count.npz)");
  const prefix = join(dirname(o.processedDataFile), basename(o.processedDataFile).split(".")[0]!);
  const files = { train: `${prefix}_train.bin`, test: `${prefix}_test.bin`, counts: `${raw}_fea_count.npz` };
  for (const f of Object.values(files))
    if (!existsSync(f)) throw new UsageError("--mlperf-bin-loader", `${f}: no such file`);
  return { binLoader: { ...files, shuffle: o.mlperfBinShuffle } };
}

/**
 * The dataset side of a --mlperf-bin-loader run: the tables sized from the counts (each at
 * most --max-ind-range when positive), training batches of `trainBatchSize`, test batches of
 * the model's size; evaluations and thresholds as with a processed directory.
 */
export function openBinRun(
  setupConfig: Readonly<TrainConfig>,
  d: Readonly<DatasetSetup>,
  bin: NonNullable<BinLoaderFlags["binLoader"]>,
  maxIndRange: number,
  trainBatchSize = setupConfig.batchSize,
): DatasetRun {
  const counts = readFeatureCounts(bin.counts).map((c) => (maxIndRange > 0 ? Math.min(c, maxIndRange) : c));
  const config = configForTables(setupConfig, counts);
  const train = createCriteoBinSource(bin.train, {
    batchSize: trainBatchSize,
    maxIndRange,
    numBatches: config.numBatches,
    ...(bin.shuffle ? { shuffleSeed: config.seed } : {}),
  });
  const test = createCriteoBinSource(bin.test, { batchSize: config.batchSize, maxIndRange, keepPartial: true });
  return {
    config,
    train,
    test,
    async close() {
      await train.close();
      await test.close();
    },
    async evaluateTest(model, step, digits) {
      const result = await evaluate(model, test);
      return { line: evaluationLine("test", result, step, digits), result, stop: reachesThresholds(d, result) };
    },
  };
}
