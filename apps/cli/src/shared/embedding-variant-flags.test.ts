/**
 * The QR and MD flags of `dlrm train`: dlrm's defaults, the values given, and one clear
 * refusal naming the flag for both at once and for QR concat with a table at or below the
 * threshold; more than one process is accepted.
 */
import { describe, expect, it } from "vitest";
import { parseTrainArgs } from "./train-options.js";

const arch = ["--arch-embedding-size", "1000-300", "--arch-sparse-feature-size", "4", "--arch-mlp-bot", "13-4"];

describe("--qr-flag and --md-flag", () => {
  it("reads dlrm's defaults and the values given", () => {
    expect(parseTrainArgs(arch).config.model.embeddingVariant).toBeUndefined();
    expect(parseTrainArgs([...arch, "--qr-flag"]).config.model.embeddingVariant).toEqual({
      kind: "qr",
      threshold: 200,
      operation: "mult",
      collisions: 4,
    });
    const md = ["--md-flag", "--md-threshold", "500", "--md-temperature", "0.5", "--md-round-dims"];
    expect(parseTrainArgs([...arch, ...md]).config.model.embeddingVariant).toEqual({
      kind: "md",
      threshold: 500,
      temperature: 0.5,
      roundDims: true,
    });
  });

  it("refuses both at once and concat with a small table, naming the flag; accepts --world-size 2", () => {
    expect(() => parseTrainArgs([...arch, "--qr-flag", "--md-flag"])).toThrow(
      /^--qr-flag: cannot be combined with --md-flag/,
    );
    expect(parseTrainArgs([...arch, "--md-flag", "--world-size", "2"]).config.model.embeddingVariant?.kind).toBe("md");
    const concat = [...arch.slice(0, 4), "--arch-mlp-bot", "13-8", "--qr-flag", "--qr-operation", "concat"];
    expect(() => parseTrainArgs([...concat, "--qr-threshold", "500"])).toThrow(
      /^--qr-operation: concat needs every table above/,
    );
    expect(parseTrainArgs([...concat, "--qr-threshold", "100"]).config.model.embeddingVariant?.kind).toBe("qr");
  });
});
