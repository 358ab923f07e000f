/**
 * `dlrm preprocess`: raw Criteo files to a processed directory, with a progress bar and
 * rows/s. Its flags are the shared dataset flags (shared/dataset-flags.ts) plus
 * --max-ind-range, --numpy-rand-seed, --chunk-rows, --threads and the multi-hot flags (with
 * --multi-hot-sizes the directory also stores the expanded bags, as `dlrm train` reads them).
 */
import { statSync } from "node:fs";
import { Command, Option } from "commander";
import { UsageError } from "../errors.js";
import { addDatasetOptions, datasetFromOptions } from "../shared/dataset-flags.js";
import { intArg } from "../shared/flag-values.js";
import { ensureProcessed, preprocessSummaryLine } from "../shared/processed-data.js";
import { checkNamedPaths } from "../shared/path-checks.js";
import { addMultiHotOptions, multiHotDistributionOf, multiHotFromOptions } from "../shared/multi-hot-flags.js";
import { CRITEO_SPARSE } from "@dlrm/core";

/** Registers `dlrm preprocess`. */
export function registerPreprocess(program: Command): void {
  addDatasetOptions(
    addMultiHotOptions(program.command("preprocess"))
      .description(
        "Convert raw Criteo files (plain or gzip) to a processed directory of dlrm's 40 x int32 binary rows; resumable.",
      )
      .requiredOption(
        "--raw-data-file <files...>",
        "raw Criteo files: Kaggle train.txt, or Terabyte day_0 ... day_23 (or the prefix day)",
      )
      .addOption(
        new Option(
          "--max-ind-range <n>",
          "categorical hash modulo n (-1 = per-column dictionaries in first-seen order)",
        )
          .argParser(intArg)
          .default(-1),
      )
      .addOption(new Option("--numpy-rand-seed <n>", "seed for --data-sub-sample-rate").argParser(intArg).default(123))
      .addOption(
        new Option("--chunk-rows <n>", "lines per chunk, the unit a rerun resumes from")
          .argParser(intArg)
          .default(1 << 18),
      )
      .addOption(
        new Option("--threads <n>", "worker threads that parse the raw lines (0: one per CPU)")
          .argParser(intArg)
          .default(0),
      ),
  ).action(async (_o: unknown, cmd: Command) => {
    checkNamedPaths(cmd);
    const o = cmd.opts<Record<string, unknown>>();
    if (o.processedDataFile === undefined) throw new UsageError("--processed-data-file", "is required");
    const d = datasetFromOptions(cmd, { batchSize: 1, seed: o.numpyRandSeed as number })!;
    const threads = o.threads as number;
    if (threads < 0) throw new UsageError("--threads", `expected a non-negative integer, got ${threads}`);
    const sizes = multiHotFromOptions(cmd, CRITEO_SPARSE);
    const multiHot = sizes === undefined ? undefined : { sizes, distribution: multiHotDistributionOf(cmd) };
    const r = await ensureProcessed(d, o.chunkRows as number, multiHot, threads > 0 ? threads : undefined);
    process.stdout.write(
      `${preprocessSummaryLine(
        r,
        d.rawFiles.reduce((a, f) => a + statSync(f).size, 0),
      )}\n`,
    );
    if (r.summary.badLines > 0)
      process.stdout.write(`Rejected lines: ${r.dir}.rejects.tsv; first: ${r.summary.badLineMessages[0] ?? ""}\n`);
  });
}
