/**
 * `dlrm export --load-model CKPT --onnx FILE`: the forward graph with saved weights as an
 * ONNX model (inputs dense, indices_t, offsets_t; output probabilities; see the README).
 * Arch flags not given come from the checkpoint's shapes, the interaction too: dcn when it
 * holds cross-network kernels, cat or dot by the top MLP's input width.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { Command, Option } from "commander";
import { interactionWidth, isOptimizerTensor, readSafetensors, type ModelConfig, type StateDict } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { archFromCheckpoint } from "../shared/checkpoint-arch.js";
import { checkOnnxExportable, writeOnnx } from "../shared/onnx-flags.js";
import { defineTrainOptions, optionsToSetup } from "../shared/train-options.js";
import { refuseQuantized } from "../shared/quantize-flags.js";

/** Sets --arch-interaction-op (and the dcn shape) from `state` when the command line leaves it at its default. */
function interactionFromCheckpoint(cmd: Command, state: StateDict): void {
  if (cmd.getOptionValueSource("archInteractionOp") !== "default") return;
  const v0 = state.get("inter_arch.crossnet.V_kernels.0");
  if (v0 !== undefined) {
    let layers = 0;
    while (state.has(`inter_arch.crossnet.V_kernels.${layers}`)) layers++;
    cmd.setOptionValueWithSource("archInteractionOp", "dcn", "default");
    if (cmd.getOptionValueSource("dcnNumLayers") === "default")
      cmd.setOptionValueWithSource("dcnNumLayers", layers, "default");
    if (cmd.getOptionValueSource("dcnLowRankDim") === "default")
      cmd.setOptionValueWithSource("dcnLowRankDim", v0.shape[0], "default");
    return;
  }
  const top = state.get("top_l.0.weight");
  const o = cmd.opts<{ archSparseFeatureSize: number; archEmbeddingSize: number[] }>();
  const m = {
    embeddingDim: o.archSparseFeatureSize,
    tableRows: o.archEmbeddingSize,
    interaction: "cat",
    interactionItself: false,
  } as ModelConfig;
  if (top !== undefined && top.shape[1] === interactionWidth(m))
    cmd.setOptionValueWithSource("archInteractionOp", "cat", "default");
}

/** Registers `dlrm export`. */
export function registerExport(program: Command): void {
  defineTrainOptions(
    program
      .command("export")
      .description(
        "Write saved weights (--load-model) with the forward graph as an ONNX model (--onnx), run by onnxruntime and other ONNX runtimes.",
      ),
  )
    .addOption(new Option("--onnx <file>", "the ONNX model to write (a temporary file, renamed when complete)"))
    .action((_o: unknown, cmd: Command) => {
      const { onnx: file, loadModel: weights } = cmd.opts<{ onnx?: string; loadModel?: string }>();
      if (weights === undefined)
        throw new UsageError("--load-model", "is required by dlrm export (the weights to export)");
      if (file === undefined) throw new UsageError("--onnx", "is required by dlrm export (the ONNX file to write)");
      if (!existsSync(weights)) throw new Error(`--load-model ${weights}: no such file`);
      if (!existsSync(dirname(file))) throw new Error(`--onnx ${file}: directory ${dirname(file)} does not exist`);
      archFromCheckpoint(cmd, weights, false);
      const state = readSafetensors(weights, (name) => !isOptimizerTensor(name));
      interactionFromCheckpoint(cmd, state);
      const setup = optionsToSetup(cmd);
      refuseQuantized(setup.cli.quantize, "is for scoring (dlrm predict, serve); dlrm export writes the float32 graph");
      checkOnnxExportable("--onnx", setup.config, setup.cli.multiHotSizes);
      writeOnnx(file, state, setup.config);
      process.stderr.write(
        `Wrote ${file} (${setup.config.model.interaction} interaction, ${setup.config.model.tableRows.length} tables)\n`,
      );
    });
}
