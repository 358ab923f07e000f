/**
 * `dlrm plan`: the sharding plan for a model at any world size, without training, a backend
 * or data: each table's placement and reason, each rank's parameter, optimizer-state and
 * estimated memory, and its all-to-all and all-reduce bytes per step, as a table or JSON.
 * Takes `dlrm train`'s flags (a training command line plans as is), --sharding, --memory-per-rank, --json.
 */
import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { formatShardingPlan, planCosts, planJson, planSharding, type PlanRequest } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { addShardingOptions, shardingFromOptions } from "../shared/sharding-flags.js";
import { defineTrainOptions, optionsToSetup } from "../shared/train-options.js";

/** Option attribute names shown in `dlrm plan --help`; the other train flags are accepted but hidden. */
const SHOWN = new Set([
  "archSparseFeatureSize",
  "archEmbeddingSize",
  "archMlpBot",
  "archMlpTop",
  "archInteractionOp",
  "archInteractionItself",
  "miniBatchSize",
  "optimizer",
  "maxIndRange",
  "numIndicesPerLookup",
  "world_size",
  "sharding",
  "memoryPerRank",
  "json",
]);

/** Descriptions that differ from `dlrm train`'s for planning. */
const DESCRIPTIONS: Record<string, string> = {
  world_size: "ranks to plan for, any N >= 1 (also --world-size); nothing is started",
  maxIndRange: "cap every table at n rows, as dlrm does (-1 = off)",
  numIndicesPerLookup: "indices per bag the plan assumes, as the trainer does for random data (Criteo data: 1)",
};

/** Registers `dlrm plan`. */
export function registerPlan(program: Command): void {
  const cmd = program
    .command("plan")
    .description(
      "Print the sharding plan for a model over --world-size ranks (any number; nothing is trained, no backend or data is used): each table's placement and why, each rank's memory and bytes per step.",
    );
  defineTrainOptions(cmd);
  addShardingOptions(cmd);
  cmd.addOption(new Option("--json [file]", "write the plan as JSON: to stdout with a bare --json, else to the file"));
  for (const o of cmd.options) {
    const name = o.attributeName();
    if (!SHOWN.has(name)) o.hidden = true;
    if (DESCRIPTIONS[name] !== undefined) o.description = DESCRIPTIONS[name];
  }
  cmd.addHelpText(
    "after",
    "\nEvery `dlrm train` flag is accepted (most are not shown), so a training command line plans as is.\n" +
      "Example, MLPerf DLRMv2's tables at 64 ranks of 80 GB:\n" +
      "  dlrm plan --arch-sparse-feature-size 128 --arch-mlp-bot 13-512-256-128 --arch-mlp-top 1024-1024-512-256-1 \\\n" +
      "    --arch-embedding-size 40000000-39060-17295-7424-20265-3-7122-1543-63-40000000-3067956-405282-10-2209-11938-155-4-976-14-40000000-40000000-40000000-590152-12973-108-36 \\\n" +
      "    --max-ind-range 40000000 --mini-batch-size 65536 --num-indices-per-lookup 1 --arch-interaction-op cat \\\n" +
      "    --world-size 64 --memory-per-rank 80GB",
  );
  cmd.action((_o: unknown, c: Command) => {
    const setup = optionsToSetup(c);
    const { sharding, memoryPerRank } = shardingFromOptions(c);
    const opts = c.opts<{ maxIndRange: number; json?: string | true }>();
    const notes = [...setup.notes];
    const cfg = setup.config;
    const cap = opts.maxIndRange;
    const tableRows = cfg.model.tableRows.map((r) => (cap > 0 ? Math.min(r, cap) : r));
    const capped = tableRows.filter((r, t) => r !== cfg.model.tableRows[t]).length;
    if (capped > 0)
      notes.push(`--max-ind-range ${cap}: ${capped} table${capped === 1 ? "" : "s"} capped at ${cap} rows`);
    const model = { ...cfg.model, tableRows };
    const bag = setup.data.kind === "random" ? setup.data.numIndicesPerLookup : 1;
    const req: PlanRequest = {
      worldSize: setup.cli.worldSize,
      batchSize: cfg.batchSize,
      meanBagSize: bag,
      maxIndicesPerBag: bag,
      sharding,
      ...(memoryPerRank === undefined ? {} : { memoryPerRank }),
    };
    const plan = planSharding(model, cfg.optimizer, req);
    const costs = planCosts(model, cfg.optimizer, req, plan);
    const json = {
      optimizer: cfg.optimizer,
      sharding,
      memoryPerRank: memoryPerRank ?? null,
      model,
      notes,
      ...planJson(plan, costs),
    };
    if (opts.json === true) {
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    if (opts.json !== undefined) {
      if (opts.json === "") throw new UsageError("--json", "expected a file name (or a bare --json for stdout)");
      try {
        writeFileSync(opts.json, `${JSON.stringify(json, null, 2)}\n`);
      } catch (err) {
        throw new UsageError(
          "--json",
          `cannot write ${opts.json}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    process.stdout.write(`${formatShardingPlan(plan, costs).join("\n")}\n`);
    if (typeof opts.json === "string") process.stdout.write(`plan written to ${opts.json}\n`);
  });
}
