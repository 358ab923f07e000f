/**
 * The `--weighted-pooling` flag of `dlrm train`: absent by default, fixed or learned as given,
 * and one refusal naming the flag for learned with QR or MD embeddings or with row-wise
 * Adagrad; learned at --world-size 2 is accepted; fixed everywhere (its weights are ones).
 */
import { describe, expect, it } from "vitest";
import { parseTrainArgs } from "./train-options.js";

const arch = ["--arch-embedding-size", "1000-300", "--arch-sparse-feature-size", "4", "--arch-mlp-bot", "13-4"];

describe("--weighted-pooling", () => {
  it("is absent by default and reads fixed or learned", () => {
    expect(parseTrainArgs(arch).config.model.weightedPooling).toBeUndefined();
    expect(parseTrainArgs([...arch, "--weighted-pooling", "fixed"]).config.model.weightedPooling).toBe("fixed");
    expect(parseTrainArgs([...arch, "--weighted-pooling", "learned"]).config.model.weightedPooling).toBe("learned");
  });

  it("refuses learned with QR, MD and rwsadagrad in one line naming the flag; accepts --world-size 2", () => {
    const learned = [...arch, "--weighted-pooling", "learned"];
    expect(parseTrainArgs([...learned, "--world-size", "2"]).config.model.weightedPooling).toBe("learned");
    expect(() => parseTrainArgs([...learned, "--qr-flag"])).toThrow(
      /^--weighted-pooling: learned cannot be combined with --qr-flag/,
    );
    expect(() => parseTrainArgs([...learned, "--md-flag"])).toThrow(
      /^--weighted-pooling: learned cannot be combined with --md-flag/,
    );
    expect(() => parseTrainArgs([...learned, "--optimizer", "rwsadagrad"])).toThrow(
      /^--weighted-pooling: learned runs with --optimizer sgd or adagrad/,
    );
    expect(parseTrainArgs([...arch, "--weighted-pooling", "fixed", "--qr-flag"]).config.model.weightedPooling).toBe(
      "fixed",
    );
  });
});
