/**
 * dlrm_s_pytorch.py's `--activation-function relu|sigmoid` for `dlrm train` (and the commands
 * sharing its options): the activation after every hidden linear layer of both MLPs; the top
 * MLP's last layer stays the logit whose sigmoid is fused into the loss. A saved model does not
 * record it (as in dlrm), so predict, eval, serve and export take the same flag.
 */
import { Option, type Command } from "commander";
import type { HiddenActivation, TrainConfig } from "@dlrm/core";

export function addActivationOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      "--activation-function <name>",
      "activation of the MLPs' hidden layers: relu (dlrm's default) or sigmoid (the output stays a sigmoid)",
    )
      .choices(["relu", "sigmoid"])
      .default("relu"),
  );
}

/** The activation the flag asks for. */
export function activationFromOptions(cmd: Command): HiddenActivation {
  return cmd.opts<{ activationFunction: HiddenActivation }>().activationFunction;
}

/** Sets `config.model.activation` for sigmoid (relu is the default and stays unset). */
export function applyActivation(cmd: Command, config: TrainConfig): void {
  if (activationFromOptions(cmd) === "sigmoid") config.model.activation = "sigmoid";
}
