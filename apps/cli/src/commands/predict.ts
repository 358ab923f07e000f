/**
 * `dlrm predict`: scores every row of a raw Criteo TSV file (--raw-data-file, hashed %
 * --max-ind-range as in training) or a split of a processed directory with saved weights
 * (--load-model), and writes one probability per line, or `label<TAB>score` with
 * --out-format tsv, to --out atomically (a temporary file renamed when complete). Arch flags
 * not given are taken from the checkpoint's tensor shapes.
 */
import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from "node:fs";
import { Command, Option } from "commander";
import type { SplitName } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { archFromCheckpoint } from "../shared/checkpoint-arch.js";
import { checkNamedPaths } from "../shared/path-checks.js";
import { datasetFromOptions } from "../shared/dataset-flags.js";
import { processedInput, rawInput, scoreSavedModel, type InferenceInput } from "../shared/inference-run.js";
import { defineTrainOptions, optionsToSetup } from "../shared/train-options.js";
import { checkQuantizedInference } from "../shared/quantize-flags.js";
import type { QuantizeOptions } from "../quantize/quantized-dlrm.js";

type OutFormat = "scores" | "tsv";

/** Writes `text` and waits when the stream's buffer is full. */
function writeChunk(out: WriteStream, text: string): Promise<void> {
  return out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once("drain", () => resolve()));
}

/** Closes `out`, flushing it to disk. */
function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once("error", reject);
    out.end(() => resolve());
  });
}

/** The input named by the flags: --processed-data-file (a split) or --raw-data-file (every row). */
async function openInput(
  cmd: Command,
): Promise<{ input: InferenceInput; weights: string; backend: string; quantize: QuantizeOptions | undefined }> {
  const raw = cmd.opts().rawDataFile !== undefined && cmd.opts().processedDataFile === undefined;
  if (raw) cmd.setOptionValueWithSource("dataGeneration", "dataset", "cli");
  const weights = cmd.opts<{ loadModel?: string }>().loadModel;
  if (weights === undefined)
    throw new UsageError("--load-model", "is required by dlrm predict (the weights to score with)");
  archFromCheckpoint(cmd, weights, raw);
  const setup = optionsToSetup(cmd);
  const quantize = setup.cli.quantize;
  if (quantize !== undefined) checkQuantizedInference(quantize, setup);
  const d = datasetFromOptions(cmd, setup.config);
  const input =
    d === undefined ? await rawInput(setup) : await processedInput(setup, d, cmd.opts<{ split: SplitName }>().split);
  return { input, weights, backend: setup.cli.backend, quantize };
}

/** Registers `dlrm predict`. */
export function registerPredict(program: Command): void {
  defineTrainOptions(
    program
      .command("predict")
      .description(
        "Score rows with saved weights (--load-model): every row of a raw Criteo TSV (--raw-data-file) or a split of --processed-data-file, one probability per line to --out.",
      ),
  )
    .addOption(new Option("--out <file>", "where the scores go (written to a temporary file, renamed when complete)"))
    .addOption(
      new Option("--out-format <format>", "scores: one probability per line; tsv: label<TAB>probability per line")
        .choices(["scores", "tsv"])
        .default("scores"),
    )
    .addOption(
      new Option("--split <name>", "with --processed-data-file: test (first half of the last day), val, or all rows")
        .choices(["test", "val", "all"])
        .default("test"),
    )
    .action(async (_o: unknown, cmd: Command) => {
      const { out: outFile, outFormat } = cmd.opts<{ out?: string; outFormat: OutFormat }>();
      if (outFile === undefined) throw new UsageError("--out", "is required by dlrm predict (the scores file)");
      checkNamedPaths(cmd);
      const { input, weights, backend, quantize } = await openInput(cmd);
      const temp = `${outFile}.partial-${process.pid}`;
      // Opened synchronously, so that a failure below always finds the file to remove.
      const out = createWriteStream(temp, { fd: openSync(temp, "w") });
      let done = false;
      try {
        const total = input.source.batchesPerEpoch;
        const every = Math.max(1, Math.ceil(total / 10));
        const r = await scoreSavedModel(backend, weights, input, (l) => process.stderr.write(`${l}\n`), {
          quantize,
          onScores: (probs, targets, count) => {
            let text = "";
            for (let i = 0; i < count; i++)
              text += outFormat === "tsv" ? `${targets[i]}\t${probs[i]}\n` : `${probs[i]}\n`;
            return writeChunk(out, text);
          },
          onBatch: (n, t) => {
            if (t >= 10 && (n % every === 0 || n === t)) process.stderr.write(`predict: ${n}/${t} batches\n`);
          },
        });
        await closeStream(out);
        renameSync(temp, outFile);
        done = true;
        process.stderr.write(`Wrote ${r.samples} scores to ${outFile}\n`);
      } finally {
        if (!done) {
          out.destroy();
          rmSync(temp, { force: true });
        }
        await input.close();
      }
    });
}
