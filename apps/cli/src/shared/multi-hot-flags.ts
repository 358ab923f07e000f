/**
 * The multi-hot flags of `dlrm train`: `--multi-hot-sizes K[,K...]` (one per table, or one
 * for every table) and `--multi-hot-distribution-type uniform|pareto` (MLPerf DLRMv2's
 * synthetic multi-hot: each index becomes K ids drawn once per table with numpy seed 0).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { MultiHotDistribution } from "@dlrm/core";

/** Parses "3,2,1" or "3" into positive integers. */
function sizesArg(value: string): number[] {
  const parts = value.split(",");
  if (!parts.every((p) => /^[0-9]+$/.test(p.trim()) && Number(p) > 0))
    throw new InvalidArgumentError(
      "expected comma-separated positive integers such as 3,2,1 (or one for every table).",
    );
  return parts.map(Number);
}

export function addMultiHotOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--multi-hot-sizes <k,...>",
        "MLPerf DLRMv2's synthetic multi-hot: every index of table t becomes k_t ids (one size per table, or one for all)",
      ).argParser(sizesArg),
    )
    .addOption(
      new Option("--multi-hot-distribution-type <type>", "how the extra ids are drawn (with --multi-hot-sizes)")
        .choices(["uniform", "pareto"])
        .default("uniform"),
    );
}

/** How the extra ids are drawn (`--multi-hot-distribution-type`). */
export function multiHotDistributionOf(cmd: Command): MultiHotDistribution {
  return cmd.opts<{ multiHotDistributionType: MultiHotDistribution }>().multiHotDistributionType;
}

/** The sizes given (undefined: one-hot), checked against the number of tables. */
export function multiHotFromOptions(cmd: Command, numTables: number): number[] | undefined {
  const o = cmd.opts<{ multiHotSizes?: number[] }>();
  if (o.multiHotSizes === undefined) return undefined;
  if (o.multiHotSizes.length !== 1 && o.multiHotSizes.length !== numTables)
    throw new InvalidArgumentError(
      `--multi-hot-sizes: ${o.multiHotSizes.length} sizes for ${numTables} tables (give one per table, or one for all)`,
    );
  return o.multiHotSizes;
}
