/**
 * `dlrm train --html FILE`: the training report (the charts of `dlrm report`) of this run,
 * written at the end and rewritten at each print step so it can be watched in a browser.
 * The flag and where its value is read, kept out of train-options.ts.
 */
import { Option, type Command } from "commander";

/** Adds `--html <file>` to `dlrm train`. */
export function addHtmlOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--html <file>",
      "write the training report (loss, accuracy, test AUC and log loss, learning rate, ms/step charts) here, refreshed at each print step",
    ),
  );
}

/** The --html file, or undefined. */
export function htmlFromOptions(cmd: Command): string | undefined {
  return cmd.opts<{ html?: string }>().html;
}
