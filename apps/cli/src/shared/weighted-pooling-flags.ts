/**
 * dlrm_s_pytorch.py's `--weighted-pooling fixed|learned` for `dlrm train`: per table a
 * row-weight vector v_W_l.<t> (ones) scaling each row in its bags; "learned" trains it with the
 * model's optimizer and saves it under dlrm's state_dict names, "fixed" keeps the ones (plain
 * sums). Learned runs in one process, on plain tables, with sgd or adagrad.
 */
import { Option, type Command } from "commander";
import { ConfigError, type TrainConfig, type WeightedPooling } from "@dlrm/core";

export function addWeightedPoolingOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--weighted-pooling <mode>",
      "per-row pooling weights v_W_l: learned (trained, saved) or fixed (ones: the plain sums)",
    ).choices(["fixed", "learned"]),
  );
}

/** The mode the flag asks for (undefined without it); learned refuses more than one process. */
export function weightedPoolingFromOptions(cmd: Command, worldSize: number): WeightedPooling | undefined {
  const mode = cmd.opts<{ weightedPooling?: WeightedPooling }>().weightedPooling;
  if (mode === "learned" && worldSize > 1)
    throw new ConfigError("--weighted-pooling", `learned runs in one process only, not with --world-size ${worldSize}`);
  return mode;
}

/** Sets `config.model.weightedPooling` from the flag. */
export function applyWeightedPooling(cmd: Command, config: TrainConfig, worldSize: number): void {
  const mode = weightedPoolingFromOptions(cmd, worldSize);
  if (mode !== undefined) config.model.weightedPooling = mode;
}
