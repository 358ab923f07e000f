/**
 * dlrm's --print-wall-time and --print-precision for `dlrm train`: the wall clock (HH:MM,
 * local time, as dlrm's time.strftime) appended to each per-print line, and the digits of
 * the printed loss, accuracy and AUC. Parsed into the PrintStyle the line formatters take.
 */
import { Command, Option } from "commander";
import { UsageError } from "../errors.js";
import { boolArg, intArg } from "./flag-values.js";

/** How the per-print and test lines are written. */
export interface PrintStyle {
  /** Append " (HH:MM)", the local wall time, to each per-print line (`--print-wall-time`). */
  printWallTime: boolean;
  /** Digits after the point of every printed loss, accuracy (%) and AUC; undefined: dlrm's line format. */
  printPrecision: number | undefined;
}

/** The most digits --print-precision takes (toFixed's limit is higher; more is noise in float32). */
const MAX_PRECISION = 20;

/** Adds --print-wall-time and --print-precision to `cmd`. */
export function addRunReportOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--print-wall-time [bool]",
        "append the wall time (HH:MM, local) to each printed training line, as dlrm (a bare flag means True)",
      )
        .argParser(boolArg)
        .default(false),
    )
    .addOption(
      new Option(
        "--print-precision <n>",
        "digits after the point of the printed loss, accuracy and AUC (default: dlrm's line format, loss with 6)",
      ).argParser(intArg),
    );
}

/** The print style from the parsed flags; a precision outside 0..20 is a usage error naming the flag. */
export function printStyleFromOptions(cmd: Command): PrintStyle {
  const o = cmd.opts<{ printWallTime: boolean; printPrecision?: number }>();
  const p = o.printPrecision;
  if (p !== undefined && !(p >= 0 && p <= MAX_PRECISION))
    throw new UsageError("--print-precision", `expected an integer from 0 to ${MAX_PRECISION}, got ${p}`);
  return { printWallTime: o.printWallTime, printPrecision: p };
}

/** " (HH:MM)": dlrm's wall-time suffix for `now` in local time. */
export function wallTimeSuffix(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  return ` (${two(now.getHours())}:${two(now.getMinutes())})`;
}
