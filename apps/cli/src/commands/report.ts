/**
 * `dlrm report RUN.jsonl [...] --html OUT`: the training report of one or more run logs
 * written by `dlrm train --log-jsonl` (report/read-run.ts), drawn as one self-contained
 * HTML page with every run overlaid (report/training-page.ts); legend names from --label or
 * the file names.
 */
import type { Command } from "commander";
import { readRunLog } from "../report/read-run.js";
import { runLabels } from "../report/run-labels.js";
import { renderTrainingPage } from "../report/training-page.js";
import { writeFileAtomic } from "../report/write-atomic.js";
import { checkNamedPaths } from "../shared/path-checks.js";

/** Registers `dlrm report`. */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "Draw the training report of run logs from `dlrm train --log-jsonl`: loss, accuracy, test AUC and log loss, learning rate and ms/step against steps, the runs overlaid, as one HTML file.",
    )
    .argument("<runs...>", "run logs (JSONL) written by dlrm train --log-jsonl")
    .requiredOption("--html <file>", "write the report here (one self-contained HTML page, no script)")
    .option(
      "--label <name>",
      "legend name of a run, once per run in the runs' order (default: the file names)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--title <text>", "the page heading", "dlrm training report")
    .action(async (paths: string[], opts: { html: string; label: string[]; title: string }, cmd: Command) => {
      checkNamedPaths(cmd);
      const labels = runLabels(paths, opts.label);
      const runs = paths.map((p, i) => readRunLog(p, labels[i]!));
      const html = await renderTrainingPage(runs, {
        title: opts.title,
        status: `${runs.length} run(s): ${runs.map((r) => `${r.label} (${r.steps.length} print steps, ${r.tests.length} test evaluations)`).join("; ")}`,
      });
      writeFileAtomic(opts.html, html);
      process.stdout.write(`report: wrote ${opts.html}\n`);
    });
}
