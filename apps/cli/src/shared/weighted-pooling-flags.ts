/**
 * dlrm_s_pytorch.py's `--weighted-pooling fixed|learned` for `dlrm train`: per table a
 * row-weight vector v_W_l.<t> (ones) scaling each row in its bags; "learned" trains it with the
 * model's optimizer and saves it under dlrm's state_dict names, "fixed" keeps the ones (plain
 * sums). Learned runs on plain tables with sgd or adagrad; at --world-size N each v_W_l.<t>
 * lives and is updated with its table, placed whole on one rank.
 */
import { Option, type Command } from "commander";
import type { TrainConfig, WeightedPooling } from "@dlrm/core";

export function addWeightedPoolingOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--weighted-pooling <mode>",
      "per-row pooling weights v_W_l: learned (trained, saved) or fixed (ones: the plain sums)",
    ).choices(["fixed", "learned"]),
  );
}

/** The mode the flag asks for (undefined without it). */
export function weightedPoolingFromOptions(cmd: Command): WeightedPooling | undefined {
  return cmd.opts<{ weightedPooling?: WeightedPooling }>().weightedPooling;
}

/** Sets `config.model.weightedPooling` from the flag. */
export function applyWeightedPooling(cmd: Command, config: TrainConfig): void {
  const mode = weightedPoolingFromOptions(cmd);
  if (mode !== undefined) config.model.weightedPooling = mode;
}
