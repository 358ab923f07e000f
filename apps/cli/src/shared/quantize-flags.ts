/**
 * dlrm's --quantize-emb-with-bit 4|8|32 and --quantize-mlp-with-bit 8|32 (32: off, the
 * default): scoring with row-wise quantized tables and int8 MLPs on the host, for `dlrm
 * predict`, `dlrm serve`, `dlrm eval` and `dlrm train --inference-only`; refused by name
 * where that path cannot run (training, several processes, QR / MD tables, bf16, odd D at 4 bits).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { TrainConfig } from "@dlrm/core";
import type { TrainSetup } from "./train-options.js";
import { UsageError } from "../errors.js";
import type { QuantizeOptions } from "../quantize/quantized-dlrm.js";

function bitsArg(allowed: readonly number[], unsupported: Record<number, string>): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (unsupported[n] !== undefined) throw new InvalidArgumentError(unsupported[n]);
    if (!allowed.includes(n)) throw new InvalidArgumentError(`expected ${allowed.join(", ")}.`);
    return n;
  };
}

/** Adds the two quantization flags to `cmd`. */
export function addQuantizeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--quantize-emb-with-bit <bits>",
        "score with row-wise quantized tables: 8 or 4 bits per element, a scale and bias per row (32: float32)",
      )
        .argParser(bitsArg([4, 8, 32], {}))
        .default(32),
    )
    .addOption(
      new Option(
        "--quantize-mlp-with-bit <bits>",
        "score with int8 MLP weights and per-sample int8 inputs (32: float32)",
      )
        .argParser(bitsArg([8, 32], { 16: "16 (float16 weights) is not implemented; expected 8 or 32." }))
        .default(32),
    );
}

/** The quantization asked for, or undefined when both flags are 32 (float32 scoring on the backend). */
export function quantizeFromOptions(cmd: Command): QuantizeOptions | undefined {
  const o = cmd.opts<{ quantizeEmbWithBit: number; quantizeMlpWithBit: number }>();
  if (o.quantizeEmbWithBit === 32 && o.quantizeMlpWithBit === 32) return undefined;
  return { embBits: o.quantizeEmbWithBit as QuantizeOptions["embBits"], mlpBits: o.quantizeMlpWithBit as 8 | 32 };
}

/** The flag that asked for `q` (the tables' when both did). */
export function quantizeFlag(q: QuantizeOptions): string {
  return q.embBits !== 32 ? "--quantize-emb-with-bit" : "--quantize-mlp-with-bit";
}

/**
 * Throws a UsageError naming the quantization flag when the quantized path cannot score
 * this run: several processes, QR / MD tables, learned pooling weights, sigmoid MLPs, bf16, 4-bit tables of odd width.
 */
export function checkQuantizable(q: QuantizeOptions, config: Readonly<TrainConfig>, worldSize: number): void {
  const flag = quantizeFlag(q);
  const m = config.model;
  if (worldSize > 1) throw new UsageError(flag, `scores in one process, not with --world-size ${worldSize}`);
  if (m.embeddingVariant !== undefined) {
    const v = m.embeddingVariant.kind === "qr" ? "--qr-flag" : "--md-flag";
    throw new UsageError(flag, `cannot be combined with ${v} (as in dlrm: quantized tables are plain tables)`);
  }
  if (m.activation === "sigmoid")
    throw new UsageError(flag, "cannot be combined with --activation-function sigmoid (the quantized MLPs use ReLU)");
  if (m.weightedPooling === "learned")
    throw new UsageError(
      flag,
      "cannot be combined with --weighted-pooling learned (the quantized bags are plain sums)",
    );
  if (config.precision === "bf16")
    throw new UsageError(flag, "cannot be combined with --data-type bf16 (the quantized path computes in float32)");
  if (q.embBits === 4 && m.embeddingDim % 2 !== 0)
    throw new UsageError(
      flag,
      `4-bit rows pack two elements per byte: --arch-sparse-feature-size must be even, got ${m.embeddingDim}`,
    );
}

/** `dlrm train` without --inference-only: quantization is for scoring saved weights only (as in dlrm). */
export function refuseQuantizedTraining(q: QuantizeOptions | undefined): void {
  refuseQuantized(
    q,
    "quantizes saved weights for scoring only: add --inference-only --load-model FILE, or use dlrm predict / dlrm serve",
  );
}

/** A UsageError naming the quantization flag given, with `why`; nothing when none was. */
export function refuseQuantized(q: QuantizeOptions | undefined, why: string): void {
  if (q !== undefined) throw new UsageError(quantizeFlag(q), why);
}

/** checkQuantizable for a parsed run, and no --save-model / --save-onnx (the quantized weights are not written). */
export function checkQuantizedInference(q: QuantizeOptions, setup: Readonly<TrainSetup>): void {
  checkQuantizable(q, setup.config, setup.cli.worldSize);
  for (const [flag, v] of [
    ["--save-model", setup.cli.saveModel],
    ["--save-onnx", setup.cli.saveOnnx],
  ] as const)
    if (v !== undefined) throw new UsageError(quantizeFlag(q), `cannot be combined with ${flag} (scoring only)`);
}
