/**
 * The sharding flags of `dlrm train` and `dlrm plan`: `--sharding auto|table|row|column|replicated`
 * (how each embedding table is placed over the ranks) and `--memory-per-rank SIZE` (the bytes
 * one rank may hold, e.g. 16GiB), with the parser of sizes.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { SHARDING_CHOICES, type ShardingChoice } from "@dlrm/core";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Parses a byte size: a number with an optional unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB). */
export function sizeArg(value: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = UNITS[(m?.[2] ?? "").toLowerCase()];
  const n = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError("expected a positive size such as 16GiB, 512MiB or 2000000000.");
  return Math.floor(n);
}

/** Adds --sharding and --memory-per-rank to `cmd`. */
export function addShardingOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--sharding <kind>",
        "how embedding tables are placed over the ranks: auto (the planner chooses per table), or every table table-wise, row-wise, column-wise or replicated",
      )
        .choices([...SHARDING_CHOICES])
        .default("auto"),
    )
    .addOption(
      new Option(
        "--memory-per-rank <size>",
        "bytes one rank may hold (e.g. 16GiB); the planner splits tables to fit and refuses a plan that cannot",
      ).argParser(sizeArg),
    );
}

/** The sharding choice and budget from parsed options. */
export function shardingFromOptions(opts: Record<string, unknown>): {
  sharding: ShardingChoice;
  memoryPerRank?: number;
} {
  const memory = opts.memoryPerRank as number | undefined;
  return { sharding: opts.sharding as ShardingChoice, ...(memory === undefined ? {} : { memoryPerRank: memory }) };
}
