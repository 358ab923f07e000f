/**
 * `--save-onnx FILE` (dlrm's flag) for `dlrm train`, and the one place an ONNX file is
 * written from a state dict: refused by name when the run cannot be exported (QR/MD
 * embeddings, multi-hot bags, bf16), otherwise the forward graph of onnx/dlrm-onnx.ts,
 * written atomically.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { Command, Option } from "commander";
import { writeFileAtomic, type StateDict, type TrainConfig } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { dlrmToOnnx, onnxExportRefusal } from "../onnx/dlrm-onnx.js";

/** Adds --save-onnx to `cmd`. */
export function addOnnxOptions(cmd: Command): Command {
  return cmd.addOption(
    new Option("--save-onnx <file>", "after training, write the forward graph with the final weights as an ONNX model"),
  );
}

/** The --save-onnx file, checked to lie in an existing directory; undefined when not given. */
export function onnxFromOptions(cmd: Command): string | undefined {
  const file = cmd.opts<{ saveOnnx?: string }>().saveOnnx;
  if (file !== undefined && !existsSync(dirname(file)))
    throw new UsageError("--save-onnx", `${file}: directory ${dirname(file)} does not exist`);
  return file;
}

/** Throws a UsageError naming `flag` when this run cannot be exported as ONNX. */
export function checkOnnxExportable(
  flag: string,
  config: Readonly<TrainConfig>,
  multiHotSizes: readonly number[] | undefined,
): void {
  const why = onnxExportRefusal(config, multiHotSizes);
  if (why !== undefined) throw new UsageError(flag, why);
}

/** Writes `state` as the ONNX model of `config` to `file` (after checkOnnxExportable). */
export function writeOnnx(file: string, state: StateDict, config: Readonly<TrainConfig>): void {
  writeFileAtomic(file, dlrmToOnnx(state, { model: config.model, lossThreshold: config.lossThreshold }));
}
