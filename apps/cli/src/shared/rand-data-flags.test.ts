/**
 * dlrm's --rand-data-dist flags: uniform by default (the data config unchanged), gaussian
 * with dlrm's defaults and each value from its flag, a range past the tables refused
 * naming the flag, and min/max/mu/sigma with uniform noted as unused.
 */
import { describe, expect, it } from "vitest";
import { parseTrainArgs } from "./train-options.js";

describe("--rand-data-dist", () => {
  it("uniform by default: no distribution in the data config", () => {
    expect(parseTrainArgs([]).data).not.toHaveProperty("indexDistribution");
  });

  it("gaussian with dlrm's defaults (min 0, max 1, mu -1, sigma 1), each overridable", () => {
    expect(parseTrainArgs(["--rand-data-dist", "gaussian"]).data).toMatchObject({
      indexDistribution: { kind: "gaussian", min: 0, max: 1, mu: -1, sigma: 1 },
    });
    const s = parseTrainArgs([
      "--rand-data-dist",
      "gaussian",
      "--rand-data-min",
      "10",
      "--rand-data-max",
      "900",
      "--rand-data-mu",
      "300",
      "--rand-data-sigma",
      "25",
    ]);
    expect(s.data).toMatchObject({ indexDistribution: { kind: "gaussian", min: 10, max: 900, mu: 300, sigma: 25 } });
  });

  it("refuses bad values naming the flag, and notes gaussian-only flags given with uniform", () => {
    expect(() => parseTrainArgs(["--rand-data-dist", "gaussian", "--rand-data-max", "1000"])).toThrow(
      /^--rand-data-max: 1000 is past table 0's last row 999/,
    );
    expect(() => parseTrainArgs(["--rand-data-dist", "gaussian", "--rand-data-sigma", "0"])).toThrow(
      /^--rand-data-sigma/,
    );
    expect(() => parseTrainArgs(["--rand-data-dist", "zipf"])).toThrow(/--rand-data-dist/);
    expect(parseTrainArgs(["--rand-data-max", "5"]).notes.join("\n")).toMatch(/apply to --rand-data-dist gaussian/);
  });
});
