/**
 * One `dlrm train` run from a parsed TrainSetup: check what is not supported yet, open
 * the data source and the backend, print the start-up block, train with progress,
 * per-print lines, the optional JSONL log and HTML report, print the summary, release the backend.
 */
import {
  withMultiHot,
  checkStateDict,
  createCriteoTsvSource,
  openSafetensors,
  planForSource,
  rankNeeds,
  SingleProcessCommunicator,
  type Communicator,
  type TrainConfig,
  createRandomSource,
  readSafetensors,
  resolveResume,
  isTrainingCheckpoint,
  loadCheckpoint,
  trainModel,
  type BatchSource,
  type StateDict,
  type TrainOptions,
  type TrainSummary,
  type DlrmModel,
  accumulateBatches,
} from "@dlrm/core";
import { openBackend } from "@dlrm/backends";
import { closeSync } from "node:fs";
import { NotSupportedError, RunStoppedError, UsageError } from "./errors.js";
import { checkOnnxExportable, writeOnnx } from "./shared/onnx-flags.js";
import { distributedLines } from "./distributed/startup.js";
import { silentProgress } from "./progress.js";
import { faultFromEnv, injectFault } from "./distributed/fault.js";
import { rankThreads } from "./distributed/rank-threads.js";
import { checkResumeConfig, stepsLeft } from "./resume-check.js";
import { signalExitCode, watchStopSignals } from "./stop-signals.js";
import { formatCount, formatPrintLine } from "./format.js";
import { basename, extname } from "node:path";
import { JsonlLog, printRecord, testRecord } from "./jsonl-log.js";
import { LiveReport } from "./report/live-report.js";
import { TensorBoardWriter } from "./shared/tensorboard.js";
import { createProgress } from "./progress.js";
import { startupLines } from "./startup-report.js";
import { openDatasetRun } from "./shared/dataset-run.js";
import { openBinRun } from "./shared/bin-loader.js";
import { wallTimeSuffix } from "./shared/run-report-flags.js";
import { MlperfLogger } from "./shared/mlperf-log.js";
import { MlperfRunLog } from "./shared/mlperf-run-log.js";
import { gradAccumNote, withGradAccum } from "./shared/mlperf-flags.js";
import type { TrainSetup } from "./shared/train-options.js";

/** The closing line of a run. */
export function summaryLine(s: TrainSummary): string {
  const perSecond = s.seconds > 0 ? s.samples / s.seconds : 0;
  return (
    `Done: ${formatCount(s.steps)} steps (${formatCount(s.samples)} samples) in ${s.seconds.toFixed(1)} s, ` +
    `${s.msPerIteration.toFixed(2)} ms/it (${s.dataWaitMsPerIteration.toFixed(2)} waiting for data), ${formatCount(perSecond)} samples/s; ` +
    `final loss ${s.finalLoss.toFixed(6)}, accuracy ${(s.finalAccuracy * 100).toFixed(1)} %`
  );
}

async function openSource(setup: TrainSetup): Promise<BatchSource> {
  return setup.data.kind === "random"
    ? createRandomSource(setup.config, setup.data)
    : await createCriteoTsvSource(setup.config, setup.data);
}

/**
 * `--load-model`: the file's names and shapes are checked against the whole model first
 * (from the header alone); then only the tensors this rank needs are read.
 */
function loadInitialWeightsFile(
  config: TrainConfig,
  path: string,
  needs: ((name: string) => boolean) | undefined,
): StateDict {
  if (needs === undefined) return readSafetensors(path);
  const file = openSafetensors(path);
  closeSync(file.fd);
  checkStateDict(
    config.model,
    new Map(file.entries.map((e) => [e.name, { dtype: "F32" as const, shape: e.shape, data: new Float32Array(0) }])),
    path,
  );
  return readSafetensors(path, needs);
}

/** Refuses --save-onnx before training when the run cannot be exported. */
function checkSaveOnnx(setup: TrainSetup, worldSize: number): void {
  checkOnnxExportable("--save-onnx", setup.config, setup.cli.multiHotSizes);
  if (worldSize > 1)
    throw new UsageError(
      "--save-onnx",
      "is for one process; with several, write --save-model and run dlrm export --load-model FILE --onnx FILE",
    );
}

/** Runs training as the setup says; throws on any failure (the caller prints one line). */
export async function runTrain(setup: TrainSetup, comm: Communicator = new SingleProcessCommunicator()): Promise<void> {
  const { cli } = setup;
  const lead = comm.rank === 0;
  if (cli.saveOnnx !== undefined) checkSaveOnnx(setup, comm.worldSize);
  const say = (l: string): void => {
    if (lead) process.stdout.write(`${l}\n`);
  };
  let batchesPerEpoch = 1;
  /** Where mllog lines go: stdout, then above the progress bar once there is one. */
  let mllogOut = say;
  const mlperf =
    cli.mlperfLogging && lead
      ? new MlperfRunLog(new MlperfLogger((l) => mllogOut(l)), () => batchesPerEpoch)
      : undefined;
  mlperf?.initStart();
  const dataset =
    setup.dataset === undefined
      ? undefined
      : cli.binLoader !== undefined
        ? openBinRun(
            withGradAccum(setup.config, cli.gradAccumIter),
            setup.dataset,
            cli.binLoader,
            setup.data.kind === "criteo-tsv" ? setup.data.maxIndRange : -1,
            setup.config.batchSize,
          )
        : await openDatasetRun(
            withGradAccum(setup.config, cli.gradAccumIter),
            setup.dataset,
            say,
            comm,
            cli.multiHotSizes,
            cli.multiHotDistribution,
            cli.multiHotBags,
            setup.config.batchSize,
          );
  const config = dataset?.config ?? withGradAccum(setup.config, cli.gradAccumIter);
  const opened = dataset?.train ?? (await openSource(setup));
  const source = accumulateBatches(
    dataset !== undefined || cli.multiHotSizes === undefined
      ? opened
      : withMultiHot(opened, cli.multiHotSizes, config.model.tableRows, 0, cli.multiHotDistribution),
    cli.gradAccumIter,
    config.model.tableRows.length,
  );
  batchesPerEpoch = source.batchesPerEpoch;
  const plan = comm.worldSize > 1 ? planForSource(config, source, comm.worldSize, cli.sharding) : undefined;
  const needs = plan === undefined ? undefined : rankNeeds(plan, comm.rank);
  // --load-model of a --save-model file continues its training, as dlrm's does; PyTorch's weights start one.
  const continued =
    cli.loadModel !== undefined && isTrainingCheckpoint(cli.loadModel)
      ? { path: cli.loadModel, checkpoint: loadCheckpoint(cli.loadModel, needs) }
      : undefined;
  const initialWeights =
    cli.loadModel === undefined || continued !== undefined
      ? undefined
      : loadInitialWeightsFile(config, cli.loadModel, needs);
  const resume =
    cli.resume === undefined
      ? continued
      : resolveResume(cli.resume, (m) => lead && process.stderr.write(`dlrm: warning: ${m}\n`), needs);
  if (resume !== undefined) {
    const flag = continued === undefined ? "--resume" : "--load-model";
    checkResumeConfig(resume.checkpoint.state.config, config, resume.path, flag);
    const { state } = resume.checkpoint;
    if (lead && stepsLeft(state, source.batchesPerEpoch, config.epochs) === 0)
      process.stderr.write(
        `dlrm: warning: ${flag} ${resume.path}: its run already ended at step ${state.step}; nothing is left to train (raise --nepochs or --num-batches)\n`,
      );
  }
  const threads = cli.threads > 0 ? cli.threads : rankThreads(comm.worldSize);
  const { backend, fallbackNotes } = await openBackend(cli.backend, {
    mode: config.mode,
    ...(threads === undefined ? {} : { threads }),
  });
  const fault = faultFromEnv();
  let log: JsonlLog | undefined;
  let tensorBoard: TensorBoardWriter | undefined;
  const named = cli.logJsonl ?? cli.html;
  const report =
    cli.html !== undefined && lead && named !== undefined
      ? new LiveReport(cli.html, basename(named, extname(named)), cli.logJsonl ?? "(no --log-jsonl)")
      : undefined;
  const progress = lead ? createProgress() : silentProgress();
  mllogOut = (l) => progress.line(l);
  const signals = watchStopSignals((line) => progress.line(`dlrm: ${line}`), comm.worldSize > 1);
  try {
    for (const line of startupLines({
      config,
      backend,
      requestedBackend: cli.backend,
      fallbackNotes,
      source,
      notes: cli.gradAccumIter > 1 ? [...setup.notes, gradAccumNote(setup.config, cli.gradAccumIter)] : setup.notes,
    }))
      say(line);
    if (plan !== undefined) for (const line of distributedLines(config, source, plan, comm)) say(line);
    if (continued !== undefined)
      say(
        `  load-model  ${continued.path}: a --save-model training state: continuing from step ${continued.checkpoint.state.step} with its optimizer state and data position`,
      );
    else if (resume !== undefined) say(`  resume      ${resume.path} (step ${resume.checkpoint.state.step})`);
    else if (cli.loadModel !== undefined)
      say(`  load-model  ${cli.loadModel}: weights only: initial weights, a fresh optimizer from step 0`);
    if (config.precision === "bf16" && !backend.info.precisions.includes("bf16")) {
      throw new NotSupportedError(
        `--data_type bf16: BF16 mixed precision is not supported yet on the ${backend.info.name} backend; use --data_type fp32`,
      );
    }
    if (cli.logJsonl !== undefined && lead) log = new JsonlLog(cli.logJsonl);
    if (cli.tensorBoardDir !== undefined && lead) tensorBoard = new TensorBoardWriter(cli.tensorBoardDir);
    const jsonl = log;
    /** The step the last --test-freq evaluation ran at (-1: none). */
    let lastTested = -1;
    const runDataset = dataset;
    /** The test split evaluated after `step`, between --mlperf-logging's eval events. */
    const testAt = async (m: DlrmModel, step: number): Promise<{ line: string; stop: boolean }> => {
      mlperf?.evalStart(step);
      const r = await runDataset!.evaluateTest(m, step, cli.printPrecision);
      mlperf?.evalEnd(step, r.result.auc, r.stop);
      const t = testRecord(step, r.result);
      jsonl?.write(t);
      report?.addTest(t);
      tensorBoard?.scalars(step, [
        { tag: "Test/Loss", value: r.result.loss },
        { tag: "Test/Acc", value: r.result.accuracy },
        { tag: "Test/AUC", value: r.result.auc },
      ]);
      return r;
    };
    const options: TrainOptions = {
      comm,
      ...(plan === undefined ? {} : { plan }),
      ...(initialWeights === undefined ? {} : { initialWeights, initialWeightsSource: cli.loadModel }),
      ...(resume === undefined ? {} : { resume }),
      checkpoint: { dir: cli.checkpointDir, every: cli.checkpointEvery, keep: cli.checkpointKeep },
      ...(cli.saveModel === undefined ? {} : { saveModel: cli.saveModel }),
      shouldStop: () => signals.received !== undefined,
      onNonFinite: cli.onNonFinite,
      maxConsecutiveSkips: cli.maxConsecutiveSkips,
      onSkip: (step, total) => progress.line(`dlrm: step ${step}: non-finite loss, step skipped (${total} so far)`),
      onCheckpoint: (path, step) => progress.line(`Checkpoint of step ${step} written to ${path}`),
      ...(mlperf === undefined ? {} : { onEpoch: (epoch, phase) => mlperf.epoch(epoch, phase) }),
      ...(dataset !== undefined && setup.dataset !== undefined && setup.dataset.testFreq > 0
        ? {
            onTest: {
              every: setup.dataset.testFreq,
              run: async (m, step) => {
                const r = await testAt(m, step);
                lastTested = step;
                progress.line(r.line);
                if (r.stop) progress.line(`Target reached at step ${step}: stopping early`);
                return r.stop;
              },
            },
          }
        : {}),
      onStep: (step, total) => {
        progress.step(step, total);
        injectFault(fault, comm.rank, step);
      },
      onPrint: (r) => {
        progress.line(
          formatPrintLine(r, source.batchesPerEpoch, cli.printTime, {
            precision: cli.printPrecision,
            suffix: cli.printWallTime ? wallTimeSuffix(new Date()) : "",
          }),
        );
        const rec = printRecord(r);
        jsonl?.write(rec);
        report?.addStep(rec, r.totalSteps);
        tensorBoard?.scalars(r.step, [
          { tag: "Train/Loss", value: r.loss },
          { tag: "Train/Acc", value: r.accuracy },
        ]);
      },
    };
    mlperf?.runStart({ ...config, batchSize: setup.config.batchSize }, backend.info.name);
    const { model, summary } = await trainModel(backend, config, source, options);
    progress.stop();
    say(summaryLine(summary));
    // The last step's test line once: a --test-freq evaluation of that very step stands.
    if (dataset !== undefined && lastTested !== summary.steps) say((await testAt(model, summary.steps)).line);
    if (report !== undefined) {
      await report.finish(
        `${summary.stopped ? "stopped" : "finished"} after step ${summary.steps}; ${summaryLine(summary)}`,
      );
      say(`Wrote the training report to ${report.path}`);
    }
    if (summary.stopped) {
      const signal = signals.received ?? "SIGINT";
      const by =
        signal === "SIGUSR1"
          ? "a stop request to every rank (SIGUSR1, as the launcher sends on Ctrl-C or SIGTERM)"
          : signal;
      throw new RunStoppedError(
        `stopped by ${by} after step ${summary.steps}; checkpoint: ${summary.lastCheckpoint ?? "none"} (continue with --resume ${summary.lastCheckpoint ?? cli.checkpointDir})`,
        signalExitCode(signal),
      );
    }
    if (cli.saveModel !== undefined)
      say(`Saved the weights, optimizer state and training state (step ${summary.steps}) to ${cli.saveModel}`);
    if (cli.saveOnnx !== undefined) {
      const state = await model.stateDict();
      if (lead) writeOnnx(cli.saveOnnx, state, config);
      say(`Saved the ONNX model to ${cli.saveOnnx}`);
    }
  } finally {
    mlperf?.runStop("aborted");
    signals.dispose();
    progress.stop();
    log?.close();
    tensorBoard?.close();
    report?.close();
    backend.dispose();
    await dataset?.close();
  }
}
