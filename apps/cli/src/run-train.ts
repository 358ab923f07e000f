/**
 * One `dlrm train` run from a parsed TrainSetup: check what is not supported yet, open
 * the data source and the backend, print the start-up block, train with progress,
 * per-print lines and the optional JSONL log, print the summary, release the backend.
 */
import {
  createCriteoTsvSource,
  createRandomSource,
  readSafetensors,
  train,
  type BatchSource,
  type StateDict,
  type TrainSummary,
} from "@dlrm/core";
import { openBackend } from "@dlrm/backends";
import { NotSupportedError } from "./errors.js";
import { formatCount, formatPrintLine } from "./format.js";
import { JsonlLog } from "./jsonl-log.js";
import { createProgress } from "./progress.js";
import { startupLines } from "./startup-report.js";
import type { TrainSetup } from "./train-options.js";

/** The closing line of a run. */
export function summaryLine(s: TrainSummary): string {
  const perSecond = s.seconds > 0 ? s.samples / s.seconds : 0;
  return (
    `Done: ${formatCount(s.steps)} steps (${formatCount(s.samples)} samples) in ${s.seconds.toFixed(1)} s, ` +
    `${s.msPerIteration.toFixed(2)} ms/it, ${formatCount(perSecond)} samples/s; ` +
    `final loss ${s.finalLoss.toFixed(6)}, accuracy ${(s.finalAccuracy * 100).toFixed(1)} %`
  );
}

async function openSource(setup: TrainSetup): Promise<BatchSource> {
  return setup.data.kind === "random"
    ? createRandomSource(setup.config, setup.data)
    : await createCriteoTsvSource(setup.config, setup.data);
}

/** Runs training as the setup says; throws on any failure (the caller prints one line). */
export async function runTrain(setup: TrainSetup): Promise<void> {
  const { config, cli } = setup;
  if (cli.worldSize > 1) {
    throw new NotSupportedError(`--world_size ${cli.worldSize}: training on several devices is not supported yet; use --world_size 1`);
  }
  const initialWeights: StateDict | undefined = cli.loadModel === undefined ? undefined : readSafetensors(cli.loadModel);
  const source = await openSource(setup);
  const { backend, fallbackNotes } = await openBackend(cli.backend, { mode: config.mode });
  let log: JsonlLog | undefined;
  const progress = createProgress();
  try {
    for (const line of startupLines({ config, backend, requestedBackend: cli.backend, fallbackNotes, source, notes: setup.notes })) {
      process.stdout.write(`${line}\n`);
    }
    if (config.precision === "bf16" && !backend.info.precisions.includes("bf16")) {
      throw new NotSupportedError(
        `--data_type bf16: BF16 mixed precision is not supported yet on the ${backend.info.name} backend (issue 8); use --data_type fp32`,
      );
    }
    if (cli.logJsonl !== undefined) log = new JsonlLog(cli.logJsonl);
    const jsonl = log;
    const summary = await train(backend, config, source, {
      ...(initialWeights === undefined ? {} : { initialWeights, initialWeightsSource: cli.loadModel }),
      onStep: (step, total) => progress.step(step, total),
      onPrint: (r) => {
        progress.line(formatPrintLine(r, source.batchesPerEpoch, cli.printTime));
        jsonl?.write(r);
      },
    });
    progress.stop();
    process.stdout.write(`${summaryLine(summary)}\n`);
  } finally {
    progress.stop();
    log?.close();
    backend.dispose();
  }
}
