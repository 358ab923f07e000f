/**
 * The `--log-jsonl FILE` writer: one JSON object per print step (step, epoch, loss,
 * accuracy, msPerIteration, dataWaitMs (of it, the wait for the batch), samplesPerSecond, learningRate; on several ranks the per-step
 * all-to-all and all-reduce milliseconds and bytes), appended synchronously so
 * the file is complete up to the last print even if the run dies.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { PrintReport } from "@dlrm/core";

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

/** Writes print reports to a JSONL file, truncating it on open. */
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

  /** Appends one record for a print step. */
  write(r: PrintReport): void {
    if (this.fd === undefined) throw new Error(`--log-jsonl ${this.path}: already closed`);
    const rec: JsonlRecord = {
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
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
  }

  /** Closes the file; further writes throw. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
