/**
 * `dlrm train --html FILE`: the training report of the running job, kept in memory from its
 * print steps and test evaluations and rewritten (atomically) at each print step and once
 * at the end, by a worker thread (render-worker.ts) so that rendering does not stall the
 * training loop. Renders never queue up: while one runs, further refreshes coalesce into
 * one more render after it.
 */
import { Worker } from "node:worker_threads";
import type { JsonlRecord, JsonlTestRecord } from "../jsonl-log.js";
import type { TrainingRun } from "./read-run.js";
import type { RenderAnswer, RenderRequest } from "./render-worker.js";

/** The report of one run being trained. */
export class LiveReport {
  private readonly run: TrainingRun;
  private status = "starting";
  private worker: Worker | undefined;
  /** Resolves when the render in flight has been written; undefined when none is. */
  private inFlight: Promise<void> | undefined;
  private dirty = false;
  private error: string | undefined;

  /** `path`: the HTML file; `label`: the run's legend name; `source`: the file column of the runs table. */
  constructor(
    readonly path: string,
    label: string,
    source: string,
  ) {
    this.run = { label, path: source, steps: [], tests: [] };
  }

  /** Adds a print step's record and refreshes the page. */
  addStep(rec: JsonlRecord, totalSteps: number): void {
    this.run.steps.push(rec);
    this.status = `running: step ${rec.step} of ${totalSteps}`;
    this.refresh();
  }

  /** Adds a test evaluation (drawn at the next refresh). */
  addTest(rec: JsonlTestRecord): void {
    this.run.tests.push(rec);
  }

  /** Sends a snapshot to the worker now, or marks one due after the render in flight. */
  private refresh(): void {
    if (this.inFlight !== undefined) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const worker = (this.worker ??= new Worker(new URL("./render-worker.js", import.meta.url)));
    // Held open only while a render is in flight, so an idle worker never keeps the process alive.
    worker.ref();
    const req: RenderRequest = {
      path: this.path,
      runs: [this.run],
      info: { title: `dlrm train: ${this.run.label}`, status: this.status },
    };
    this.inFlight = new Promise<void>((resolve) => {
      const onError = (err: Error): void => done({ ok: false, message: err.message });
      const done = (a: RenderAnswer): void => {
        worker.off("message", done);
        worker.off("error", onError);
        worker.unref();
        if (!a.ok) this.error ??= a.message;
        this.inFlight = undefined;
        resolve();
        if (this.dirty) this.refresh();
      };
      worker.on("message", done);
      worker.on("error", onError);
    });
    worker.postMessage(req);
  }

  /** Writes the final page (`status` says how the run ended); throws the first failed write as one line naming --html. */
  async finish(status: string): Promise<void> {
    this.status = status;
    while (this.inFlight !== undefined) await this.inFlight;
    this.refresh();
    while (this.inFlight !== undefined) await this.inFlight;
    this.close();
    if (this.error !== undefined) throw new Error(`--html ${this.path}: cannot write the report (${this.error})`);
  }

  /** Stops the worker (a run that failed leaves the last page written). */
  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
