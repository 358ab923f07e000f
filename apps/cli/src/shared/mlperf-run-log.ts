/**
 * The mllog events of one `dlrm train --mlperf-logging` run, in dlrm_s_pytorch.py's order:
 * cache_clear and init_start first; init_stop and run_start when training is about to start;
 * the submission and hyperparameter keys; block_start/epoch_start and epoch_stop/block_stop
 * around each epoch; eval_start, eval_accuracy (the test AUC) and eval_stop around each test;
 * run_stop last, success when an --mlperf-*-threshold was reached, else aborted.
 */
import type { TrainConfig } from "@dlrm/core";
import { MlperfLogger, PyFloat } from "./mlperf-log.js";

/** dlrm's mlperf_logger.mlperf_submission_log("dlrm") values, but for the platform (the backend here). */
const SUBMISSION = "reference_implementation";

/** Logs a run's MLPerf events; `stepsPerEpoch` turns a step into dlrm's fractional epoch number. */
export class MlperfRunLog {
  private stopped = false;

  constructor(
    private readonly log: MlperfLogger,
    private readonly stepsPerEpoch: () => number,
  ) {}

  /** cache_clear and init_start: the start of the run, before data and backend are opened. */
  initStart(): void {
    this.log.event("cache_clear", true);
    this.log.start("init_start");
  }

  /** init_stop, run_start, then the submission and hyperparameter keys dlrm logs, for `config` on `platform`. */
  runStart(config: Readonly<TrainConfig>, platform: string): void {
    this.log.end("init_stop");
    this.log.start("run_start");
    this.log.event("submission_benchmark", "dlrm");
    this.log.event("submission_org", SUBMISSION);
    this.log.event("submission_division", "closed");
    this.log.event("submission_status", SUBMISSION);
    this.log.event("submission_platform", platform);
    this.log.event("submission_entry", SUBMISSION);
    this.log.event("submission_poc_name", SUBMISSION);
    this.log.event("submission_poc_email", SUBMISSION);
    this.log.event("seed", config.seed);
    this.log.event("global_batch_size", config.batchSize);
    this.log.event("opt_base_learning_rate", config.learningRate);
    this.log.event("opt_learning_rate_warmup_steps", config.lrNumWarmupSteps);
    this.log.event("sgd_opt_base_learning_rate", config.learningRate);
    this.log.event("lr_decay_start_steps", config.lrDecayStartStep);
    this.log.event("sgd_opt_learning_rate_decay_steps", config.lrNumDecaySteps);
    this.log.event("sgd_opt_learning_rate_decay_poly_power", 2);
  }

  /** block_start and epoch_start, or epoch_stop and block_stop, of `epoch` (0-based; logged 1-based). */
  epoch(epoch: number, phase: "start" | "end"): void {
    if (phase === "start") {
      this.log.start("block_start", null, { first_epoch_num: epoch + 1, epoch_count: 1 });
      this.log.start("epoch_start", null, { epoch_num: epoch + 1 });
    } else {
      this.log.end("epoch_stop", null, { epoch_num: epoch + 1 });
      this.log.end("block_stop", null, { first_epoch_num: epoch + 1 });
    }
  }

  /** eval_start of a test after `step` (1-based; epoch_num is dlrm's (j + 1) / nbatches + k + 1). */
  evalStart(step: number): void {
    this.log.start("eval_start", null, { epoch_num: this.epochNum(step) });
  }

  /** eval_accuracy (the AUC) and eval_stop; run_stop success when the test reached a threshold. */
  evalEnd(step: number, auc: number, reached: boolean): void {
    this.log.event("eval_accuracy", auc, { epoch_num: this.epochNum(step) });
    this.log.end("eval_stop", null, { epoch_num: this.epochNum(step) });
    if (reached) this.runStop("success");
  }

  /** run_stop with its status, once: the first call stands. */
  runStop(status: "success" | "aborted"): void {
    if (this.stopped) return;
    this.stopped = true;
    this.log.end("run_stop", null, { status });
  }

  private epochNum(step: number): PyFloat {
    const n = this.stepsPerEpoch();
    const k = Math.floor((step - 1) / n);
    return new PyFloat((step - k * n) / n + k + 1);
  }
}
