/**
 * dlrm_s_pytorch.py's compressed-embedding flags for `dlrm train`: `--qr-flag` with
 * `--qr-threshold`, `--qr-operation mult|add|concat`, `--qr-collisions` (quotient-remainder
 * tables), and `--md-flag` with `--md-threshold`, `--md-temperature`, `--md-round-dims`
 * (mixed-dimension tables, md_solver). dlrm's defaults. At --world-size N each table is placed
 * whole on one rank (a QR table's two sub-tables, an MD table's projection with it).
 */
import { Option, type Command } from "commander";
import { ConfigError, type EmbeddingVariant, type TrainConfig } from "@dlrm/core";
import { floatArg, intArg } from "./flag-values.js";

export function addEmbeddingVariantOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--qr-flag", "quotient-remainder embeddings for tables above --qr-threshold rows").default(false),
    )
    .addOption(
      new Option("--qr-threshold <n>", "QR: tables of more rows than this are split").argParser(intArg).default(200),
    )
    .addOption(
      new Option("--qr-operation <op>", "QR: how a bag's quotient and remainder embeddings combine")
        .choices(["mult", "add", "concat"])
        .default("mult"),
    )
    .addOption(
      new Option("--qr-collisions <c>", "QR: remainder rows c (quotient rows ceil(n/c))").argParser(intArg).default(4),
    )
    .addOption(
      new Option("--md-flag", "mixed-dimension embeddings (md_solver) for tables above --md-threshold rows").default(
        false,
      ),
    )
    .addOption(
      new Option("--md-threshold <n>", "MD: tables of more rows than this get a narrower width")
        .argParser(intArg)
        .default(200),
    )
    .addOption(
      new Option("--md-temperature <alpha>", "MD: md_solver's power-law alpha").argParser(floatArg).default(0.3),
    )
    .addOption(new Option("--md-round-dims", "MD: round each width to a power of two").default(false));
}

/** The variant the flags ask for (undefined without --qr-flag or --md-flag); refuses both. */
export function embeddingVariantFromOptions(cmd: Command): EmbeddingVariant | undefined {
  const o = cmd.opts<{
    qrFlag: boolean;
    qrThreshold: number;
    qrOperation: "mult" | "add" | "concat";
    qrCollisions: number;
    mdFlag: boolean;
    mdThreshold: number;
    mdTemperature: number;
    mdRoundDims: boolean;
  }>();
  if (o.qrFlag && o.mdFlag) throw new ConfigError("--qr-flag", "cannot be combined with --md-flag; choose one");
  const flag = o.qrFlag ? "--qr-flag" : o.mdFlag ? "--md-flag" : undefined;
  if (flag === undefined) return undefined;
  return o.qrFlag
    ? { kind: "qr", threshold: o.qrThreshold, operation: o.qrOperation, collisions: o.qrCollisions }
    : { kind: "md", threshold: o.mdThreshold, temperature: o.mdTemperature, roundDims: o.mdRoundDims };
}

/** Sets `config.model.embeddingVariant` from the flags. */
export function applyEmbeddingVariant(cmd: Command, config: TrainConfig): void {
  const v = embeddingVariantFromOptions(cmd);
  if (v !== undefined) config.model.embeddingVariant = v;
}
