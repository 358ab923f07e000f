/**
 * The worker thread behind `dlrm train --html`: receives a snapshot of the run (the runs and
 * the page info of training-page.ts with the HTML path), renders the page and writes it
 * atomically, then answers `{ ok: true }` or `{ ok: false, message }`, one answer per
 * snapshot. Rendering here keeps vega off the training loop's thread.
 */
import { parentPort } from "node:worker_threads";
import type { TrainingRun } from "./read-run.js";
import { renderTrainingPage, type PageInfo } from "./training-page.js";
import { writeFileAtomic } from "./write-atomic.js";

/** What the training thread sends. */
export interface RenderRequest {
  path: string;
  runs: TrainingRun[];
  info: PageInfo;
}

/** What the worker answers. */
export type RenderAnswer = { ok: true } | { ok: false; message: string };

parentPort?.on("message", (req: RenderRequest) => {
  renderTrainingPage(req.runs, req.info)
    .then((html) => {
      writeFileAtomic(req.path, html);
      parentPort!.postMessage({ ok: true } satisfies RenderAnswer);
    })
    .catch((err: unknown) => {
      parentPort!.postMessage({ ok: false, message: (err as Error).message ?? String(err) } satisfies RenderAnswer);
    });
});
