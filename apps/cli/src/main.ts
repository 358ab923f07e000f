#!/usr/bin/env node
/**
 * The `dlrm` command. `dlrm train` trains DLRM with dlrm_s_pytorch.py's flags on the best
 * available backend. Every error is one `dlrm: error: ...` line (exit 2 for a bad flag,
 * value or configuration, 1 for a failed run); DLRM_DEBUG=1 adds the stack trace.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "@dlrm/core";
import { EXIT_FAILURE, EXIT_USAGE, RunStoppedError, UsageError, oneLine } from "./errors.js";
import { runTrain } from "./run-train.js";
import { launchWithMpirun } from "./distributed/launch.js";
import { runAsRank } from "./distributed/rank.js";

/** True when mpirun started this process (then it is one rank of a job). */
async function underMpirun(): Promise<boolean> {
  if (process.env.OMPI_COMM_WORLD_SIZE === undefined && process.env.PMIX_RANK === undefined) return false;
  const { underMpiLauncher } = await import("@dlrm/comm-mpi");
  return underMpiLauncher();
}
import { defineTrainOptions, optionsToSetup } from "./train-options.js";
import { registerPreprocess } from "./commands/preprocess.js";
import { registerEval } from "./commands/eval.js";
import { registerBench } from "./commands/bench.js";
import { registerConformance } from "./commands/conformance.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** Builds the command tree; settings are set before subcommands so they inherit them. */
function buildProgram(): Command {
  const program = new Command("dlrm")
    .description("DLRM (Deep Learning Recommendation Model) training in TypeScript, on pluggable backends")
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`dlrm: ${oneLine(text)}\n`) })
    .addHelpText("after", "\nRun `dlrm train --help` for every training flag and its default.");
  defineTrainOptions(
    program
      .command("train")
      .description(
        "Train DLRM. Flags follow facebookresearch/dlrm's dlrm_s_pytorch.py; without flags, a small model on random data.",
      ),
  ).action(async (_opts: unknown, cmd: Command) => {
    const setup = optionsToSetup(cmd);
    if (await underMpirun()) {
      process.exitCode = await runAsRank(setup);
    } else if (setup.cli.worldSize > 1) {
      process.exitCode = await launchWithMpirun(setup.cli.worldSize, process.argv, (l) => process.stderr.write(`${l}\n`));
    } else {
      await runTrain(setup);
    }
  });
  registerPreprocess(program);
  registerEval(program);
  registerConformance(program);
  registerBench(program);
  return program;
}

/** Prints one line for an error and returns the exit code. */
function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
    return err.code === "commander.help" ? err.exitCode : EXIT_USAGE;
  }
  process.stderr.write(`dlrm: error: ${oneLine(err)}\n`);
  if (process.env.DLRM_DEBUG === "1" && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
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
