/**
 * dlrm's --data-trace-file and --data-trace-enable-padding for `dlrm train --data-generation
 * synthetic`: one distribution file per table (dlrm's default ./input/dist_emb_j.log, the j
 * of the file name replaced by the table number; a name without j serves every table), read
 * and checked here, naming the flag; bags are then drawn as @dlrm/core's traceBag replays them.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Command, Option } from "commander";
import { parseTraceDistribution, type RandomIndexDistribution, type TraceDistribution } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { boolArg } from "./flag-values.js";

/** dlrm's default --data-trace-file. */
const DEFAULT_TRACE_FILE = "./input/dist_emb_j.log";

/** Adds --data-trace-file and --data-trace-enable-padding to `cmd`. */
export function addTraceOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--data-trace-file <file>",
        "synthetic data: per-table distribution file (unique rows, stack distances, cumulative probabilities); the j of its name is the table number",
      ).default(DEFAULT_TRACE_FILE),
    )
    .addOption(
      new Option(
        "--data-trace-enable-padding [bool]",
        "synthetic data: once every new row of the distribution was drawn, draw only reused ones (a bare flag means True)",
      )
        .argParser(boolArg)
        .default(false),
    );
}

/** Table `t`'s distribution file: the j's of the file name replaced by t. */
export function traceFileOf(file: string, t: number): string {
  return join(dirname(file), basename(file).replaceAll("j", String(t)));
}

/**
 * With --data-generation synthetic, every table's distribution (`tableRows` sizes the
 * tables; rows past one are noted, then taken modulo its size); otherwise undefined, with a
 * note when a trace flag was given.
 */
export function traceFromOptions(
  cmd: Command,
  tableRows: readonly number[],
  notes: string[],
): RandomIndexDistribution | undefined {
  const o = cmd.opts<{ dataGeneration: string; dataTraceFile: string; dataTraceEnablePadding: boolean }>();
  if (o.dataGeneration !== "synthetic") {
    if (["dataTraceFile", "dataTraceEnablePadding"].some((k) => cmd.getOptionValueSource(k) === "cli"))
      notes.push("--data-trace-file and --data-trace-enable-padding apply to --data-generation synthetic");
    return undefined;
  }
  const files = tableRows.map((_, t) => traceFileOf(o.dataTraceFile, t));
  const parsed = new Map<string, TraceDistribution>();
  const tables = files.map((f, t) => {
    const known = parsed.get(f);
    if (known !== undefined) return known;
    if (!existsSync(f)) throw new UsageError("--data-trace-file", `${f} (table ${t}): no such file`);
    let d: TraceDistribution;
    try {
      d = parseTraceDistribution(readFileSync(f, "utf8"), f);
    } catch (e) {
      throw new UsageError("--data-trace-file", (e as Error).message);
    }
    parsed.set(f, d);
    return d;
  });
  tables.forEach((d, t) => {
    const past = d.lineAccesses.filter((r) => r >= tableRows[t]!).length;
    if (past > 0)
      notes.push(
        `--data-trace-file: ${past} rows of ${files[t]} are past table ${t}'s ${tableRows[t]} rows; they are taken modulo ${tableRows[t]} (dlrm does the same)`,
      );
  });
  return { kind: "trace", tables, enablePadding: o.dataTraceEnablePadding, files: [...new Set(files)] };
}
