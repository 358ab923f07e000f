#!/usr/bin/env node
/**
 * The `dlrm` command. `dlrm train` trains DLRM with dlrm_s_pytorch.py's flags on the best
 * available backend. Every error is one `dlrm: error: ...` line (exit 2 for a bad flag,
 * value or configuration, 1 for a failed run); DLRM_DEBUG=1 adds the stack trace.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "@dlrm/core";
import { EXIT_FAILURE, EXIT_USAGE, RunStoppedError, UsageError, errorLines, oneLine } from "./errors.js";
import { registerBench } from "./commands/bench.js";
import { registerConformance } from "./commands/conformance.js";
import { registerEval } from "./commands/eval.js";
import { registerPredict } from "./commands/predict.js";
import { registerExport } from "./commands/export.js";
import { registerServe } from "./commands/serve.js";
import { registerPlan } from "./commands/plan.js";
import { registerPreprocess } from "./commands/preprocess.js";
import { registerReport } from "./commands/report.js";
import { registerTrain } from "./commands/train.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** Builds the command tree; settings are set before subcommands so they inherit them. */
function buildProgram(): Command {
  const program = new Command("dlrm")
    .description("DLRM (Deep Learning Recommendation Model) training in TypeScript, on pluggable backends")
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`dlrm: ${oneLine(text)}\n`) })
    .addHelpText("after", "\nRun `dlrm train --help` for every training flag and its default.");
  registerTrain(program);
  registerPreprocess(program);
  registerEval(program);
  registerPredict(program);
  registerExport(program);
  registerServe(program);
  registerPlan(program);
  registerConformance(program);
  registerBench(program);
  registerReport(program);
  return program;
}

/** Prints one line for an error and returns the exit code. */
function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
    return err.code === "commander.help" ? err.exitCode : EXIT_USAGE;
  }
  const [first, ...rest] = errorLines(err);
  process.stderr.write(`dlrm: error: ${first}\n${rest.map((l) => `${l}\n`).join("")}`);
  if (process.env.DLRM_DEBUG === "1" && err instanceof Error && err.stack !== undefined)
    process.stderr.write(`${err.stack}\n`);
  if (err instanceof RunStoppedError) return err.exitCode;
  return err instanceof UsageError || err instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE;
}

/** A closed pipe on stdout (`dlrm train | head`) ends the run quietly, as other CLIs do. */
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
  process.exit(0);
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}
