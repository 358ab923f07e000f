/**
 * `dlrm train --html FILE`: the training report of the running job, kept in memory from its
 * print steps and test evaluations and rewritten (atomically, write-atomic.ts) at each
 * print step and once at the end. Renders never queue up: while one runs, further
 * refreshes coalesce into one more render after it.
 */
import type { JsonlRecord, JsonlTestRecord } from "../jsonl-log.js";
import type { TrainingRun } from "./read-run.js";
import { renderTrainingPage } from "./training-page.js";
import { writeFileAtomic } from "./write-atomic.js";

/** The report of one run being trained. */
export class LiveReport {
  private readonly run: TrainingRun;
  private status = "starting";
  private running: Promise<void> | undefined;
  private dirty = false;
  private error: unknown;

  /** `path`: the HTML file; `label`: the run's legend name; `source`: the file column of the runs table. */
  constructor(
    readonly path: string,
    label: string,
    source: string,
  ) {
    this.run = { label, path: source, steps: [], tests: [] };
  }

  /** Adds a print step's record and schedules a refresh. */
  addStep(rec: JsonlRecord, totalSteps: number): void {
    this.run.steps.push(rec);
    this.status = `running: step ${rec.step} of ${totalSteps}`;
    this.refresh();
  }

  /** Adds a test evaluation (drawn at the next refresh). */
  addTest(rec: JsonlTestRecord): void {
    this.run.tests.push(rec);
  }

  /** Renders and writes the page, now or right after the render in progress. */
  private refresh(): void {
    this.dirty = true;
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const html = await renderTrainingPage([this.run], {
          title: `dlrm train: ${this.run.label}`,
          status: this.status,
        });
        writeFileAtomic(this.path, html);
      }
    } catch (err) {
      this.error ??= err;
    } finally {
      this.running = undefined;
    }
  }

  /** Writes the final page (`status` says how the run ended); throws the first failed write as one line naming --html. */
  async finish(status: string): Promise<void> {
    this.status = status;
    await this.running;
    this.refresh();
    await this.running;
    if (this.error !== undefined)
      throw new Error(`--html ${this.path}: cannot write the report (${(this.error as Error).message})`, {
        cause: this.error,
      });
  }
}
