/**
 * The `--log-jsonl FILE` writer: one JSON object per print step (step, epoch, loss,
 * accuracy, msPerIteration, dataWaitMs (of it, the wait for the batch), samplesPerSecond, learningRate; on several ranks the per-step
 * all-to-all and all-reduce milliseconds and bytes) and one per test evaluation (step and a
 * `test` object), appended synchronously so the file is complete up to the last line even if the run dies.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { EvaluationResult, PrintReport } from "@dlrm/core";

/** One line of the JSONL log. */
export interface JsonlRecord {
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
  msPerIteration: number;
  /** Of msPerIteration, the mean time a step waited for its batch. */
  dataWaitMs: number;
  samplesPerSecond: number;
  learningRate: number;
  /** Multi-process runs: per step, this rank's (rank 0's) collective milliseconds and bytes sent. */
  allToAllMs?: number;
  allToAllBytes?: number;
  allReduceMs?: number;
  allReduceBytes?: number;
}

/** One test-set evaluation line: the training step it ran after and its metrics (no time, so reruns match byte for byte). */
export interface JsonlTestRecord {
  step: number;
  test: { samples: number; loss: number; accuracy: number; auc: number; logLoss: number };
}

/** A print-step record from a test record: test lines are the ones with a `test` object. */
export function isPrintRecord(r: JsonlRecord | JsonlTestRecord): r is JsonlRecord {
  return !("test" in r);
}

/** The record of a test evaluation after `step`. */
export function testRecord(step: number, r: EvaluationResult): JsonlTestRecord {
  return { step, test: { samples: r.samples, loss: r.loss, accuracy: r.accuracy, auc: r.auc, logLoss: r.logLoss } };
}

/** The record of a print step. */
export function printRecord(r: PrintReport): JsonlRecord {
  return {
    step: r.step,
    epoch: r.epoch,
    loss: r.loss,
    accuracy: r.accuracy,
    msPerIteration: r.msPerIteration,
    dataWaitMs: r.dataWaitMsPerIteration,
    samplesPerSecond: r.samplesPerSecond,
    learningRate: r.learningRate,
    ...(r.comm === undefined ? {} : r.comm),
  };
}

/** Writes print reports and test evaluations to a JSONL file, truncating it on open. */
export class JsonlLog {
  private fd: number | undefined;

  /** Opens (creates or truncates) `path`; throws an Error naming the file when it cannot. */
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "w");
    } catch (err) {
      throw new Error(
        `--log-jsonl ${path}: cannot open for writing (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        {
          cause: err,
        },
      );
    }
  }

  /** Appends one record (a print step's or a test evaluation's). */
  write(rec: JsonlRecord | JsonlTestRecord): void {
    if (this.fd === undefined) throw new Error(`--log-jsonl ${this.path}: already closed`);
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
  }

  /** Closes the file; further writes throw. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
