/**
 * The sharding flags: --sharding (auto or one kind for every table) and --memory-per-rank
 * (bytes, or a size with a unit such as 16GiB or 512MiB), with their parser. `dlrm plan`
 * adds them; a command that already defines them keeps its own.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { SHARDING_CHOICES, type ShardingChoice } from "@dlrm/core";

const UNITS: Record<string, number> = {
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

/** Parses "17179869184", "16GiB", "512 MiB", "80GB", "1.5TiB" into bytes (a positive integer). */
export function sizeArg(value: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase() || "b"];
  const bytes = m === null || unit === undefined ? NaN : Math.floor(Number(m[1]) * unit);
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes))
    throw new InvalidArgumentError(
      "expected a size: bytes, or a number with B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), such as 16GiB.",
    );
  return bytes;
}

/** The parsed sharding flags. */
export interface ShardingFlags {
  sharding: ShardingChoice;
  /** Bytes per rank; undefined: no budget. */
  memoryPerRank: number | undefined;
}

/** Adds --sharding and --memory-per-rank to `cmd` unless it has them already. */
export function addShardingOptions(cmd: Command): Command {
  const has = (flag: string): boolean => cmd.options.some((o) => o.long === flag);
  if (!has("--sharding"))
    cmd.addOption(
      new Option(
        "--sharding <kind>",
        "how tables are placed over the ranks: auto (the planner chooses per table), or every table table-wise, row-wise, column-wise or replicated",
      )
        .choices([...SHARDING_CHOICES])
        .default("auto"),
    );
  if (!has("--memory-per-rank"))
    cmd.addOption(
      new Option(
        "--memory-per-rank <size>",
        "memory each rank may use, in bytes or with a unit (16GiB, 512MiB, 80GB); a plan that does not fit is refused (default: no limit)",
      ).argParser(sizeArg),
    );
  return cmd;
}

/** The sharding flags' values. */
export function shardingFromOptions(cmd: Command): ShardingFlags {
  const o = cmd.opts<{ sharding: ShardingChoice; memoryPerRank?: number }>();
  return { sharding: o.sharding, memoryPerRank: o.memoryPerRank };
}
