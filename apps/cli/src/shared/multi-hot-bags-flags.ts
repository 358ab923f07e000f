/**
 * `--multi-hot-bags stored|expanded` for `dlrm train` on a processed dataset with
 * `--multi-hot-sizes`: "stored" (the default) writes the expanded bags once into the processed
 * directory (a sidecar per split, recorded in its manifest) and reads them back; "expanded"
 * expands every batch's one-hot indices on the fly and stores nothing. Both give the same bags.
 */
import { Option, type Command } from "commander";

/** Where a processed dataset's multi-hot bags come from. */
export type MultiHotBags = "stored" | "expanded";

export function addMultiHotBagsOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--multi-hot-bags <how>",
      "with --processed-data-file and --multi-hot-sizes: stored (written once into the processed directory) or expanded (per batch)",
    )
      .choices(["stored", "expanded"])
      .default("stored"),
  );
}

/** The flag's value. */
export function multiHotBagsFromOptions(cmd: Command): MultiHotBags {
  return cmd.opts<{ multiHotBags: MultiHotBags }>().multiHotBags;
}
