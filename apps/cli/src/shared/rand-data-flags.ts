/**
 * dlrm's random-data index distribution flags for `dlrm train --data-generation random`:
 * `--rand-data-dist uniform|gaussian` with `--rand-data-min`, `--rand-data-max`,
 * `--rand-data-mu` (-1: the middle of [min, max]) and `--rand-data-sigma`, dlrm's defaults;
 * the gaussian's range is checked against the tables, naming the flag.
 */
import { Option, type Command } from "commander";
import { checkIndexDistribution, type RandomIndexDistribution } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { floatArg } from "./flag-values.js";

export function addRandDataOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--rand-data-dist <dist>",
        "random data: bag indices uniform over the rows, or gaussian (clipped to [min, max])",
      )
        .choices(["uniform", "gaussian"])
        .default("uniform"),
    )
    .addOption(new Option("--rand-data-min <x>", "random data, gaussian: lowest index").argParser(floatArg).default(0))
    .addOption(new Option("--rand-data-max <x>", "random data, gaussian: highest index").argParser(floatArg).default(1))
    .addOption(
      new Option("--rand-data-mu <x>", "random data, gaussian: mean index (-1: (min + max) / 2)")
        .argParser(floatArg)
        .default(-1),
    )
    .addOption(
      new Option("--rand-data-sigma <x>", "random data, gaussian: standard deviation").argParser(floatArg).default(1),
    );
}

/**
 * The gaussian the flags give, checked against `tableRows` (undefined: uniform, the
 * default); notes say what is ignored.
 */
export function randDataFromOptions(
  cmd: Command,
  tableRows: readonly number[],
  notes: string[],
): RandomIndexDistribution | undefined {
  const o = cmd.opts<{
    randDataDist: string;
    randDataMin: number;
    randDataMax: number;
    randDataMu: number;
    randDataSigma: number;
  }>();
  const given = ["randDataMin", "randDataMax", "randDataMu", "randDataSigma"].filter(
    (k) => cmd.getOptionValueSource(k) === "cli",
  );
  if (o.randDataDist === "uniform") {
    if (given.length > 0)
      notes.push(
        "--rand-data-min/max/mu/sigma apply to --rand-data-dist gaussian; uniform draws over each table's rows",
      );
    return undefined;
  }
  const d: RandomIndexDistribution = {
    kind: "gaussian",
    min: o.randDataMin,
    max: o.randDataMax,
    mu: o.randDataMu,
    sigma: o.randDataSigma,
  };
  try {
    checkIndexDistribution(d, tableRows);
  } catch (e) {
    const m = /^(--[a-z-]+): (.*)$/s.exec((e as Error).message);
    throw m === null ? e : new UsageError(m[1]!, m[2]!);
  }
  return d;
}
