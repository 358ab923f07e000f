/**
 * dlrm's --tensor-board-filename DIR for `dlrm train`: TensorBoard event files in DIR
 * (shared/tensorboard.ts) with the scalars dlrm's SummaryWriter gets: Train/Loss (and here
 * Train/Acc) at every print step, Test/Loss, Test/Acc and Test/AUC at every test, on rank 0.
 */
import { existsSync, statSync } from "node:fs";
import { Command, Option } from "commander";
import { UsageError } from "../errors.js";

/** The TensorBoard part of a parsed command line. */
export interface TensorBoardFlags {
  /** Directory of the event file (`--tensor-board-filename`); undefined: none is written. */
  tensorBoardDir: string | undefined;
}

/** Adds --tensor-board-filename to `cmd`. */
export function addTensorBoardOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--tensor-board-filename <dir>",
      "write TensorBoard event files (train loss and accuracy per print step, test loss, accuracy and AUC) into this directory, created when missing",
    ),
  );
}

/** The flag's directory, refused by name when it names an existing file. */
export function tensorBoardFromOptions(cmd: Command): TensorBoardFlags {
  const dir = cmd.opts<{ tensorBoardFilename?: string }>().tensorBoardFilename;
  if (dir !== undefined && (dir === "" || (existsSync(dir) && !statSync(dir).isDirectory())))
    throw new UsageError(
      "--tensor-board-filename",
      `${dir === "" ? "an empty path" : `${dir} is a file`}: give a directory`,
    );
  return { tensorBoardDir: dir };
}
