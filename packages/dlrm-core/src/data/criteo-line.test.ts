/** Tests of the strict Criteo line parser on real rows and on the bad-input cases. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CriteoParseError, parseCriteoLine, transformDense } from "./criteo-line.js";

const SAMPLE = new URL("../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url).pathname;
const good = ["1", ...Array(13).fill("3"), ...Array(26).fill("8000abcd")];

describe("parseCriteoLine", () => {
  it("parses every one of the 10,000 real rows", () => {
    const lines = readFileSync(SAMPLE, "utf8")
      .split("\n")
      .filter((l) => l.length > 0);
    expect(lines).toHaveLength(10000);
    let positives = 0;
    lines.forEach((l, i) => (positives += parseCriteoLine(l, SAMPLE, i + 1).label));
    expect(positives / 10000).toBeCloseTo(0.218, 3);
  });

  it("reads hashes >= 0x80000000 as unsigned and empty fields as missing", () => {
    const f = [...good];
    f[2] = "";
    f[15] = "";
    f[16] = "ffffffff";
    const r = parseCriteoLine(f.join("\t") + "\r", "x.tsv", 1);
    expect(r.sparse[0]).toBe(0x8000abcd);
    expect(r.sparse[1]).toBe(0);
    expect(r.sparse[2]).toBe(4294967295);
    expect(r.dense[1]).toBe(0);
  });

  it("clamps negative dense values before log(x+1)", () => {
    expect(transformDense(-5)).toBe(0);
    expect(transformDense(0)).toBe(0);
    expect(transformDense(Math.E - 1)).toBeCloseTo(1, 6);
  });

  const bad: [string, string[], RegExp][] = [
    ["39 fields", good.slice(1), /x\.tsv:7: line: expected 40 fields, got 39/],
    ["non-numeric dense", good.map((v, i) => (i === 3 ? "1a2b" : v)), /I3: not an integer: "1a2b"/],
    ["dense with a fraction", good.map((v, i) => (i === 3 ? "1.5" : v)), /I3: not an integer/],
    ["dense beyond int32", good.map((v, i) => (i === 1 ? "99999999999" : v)), /I1: 99999999999 is beyond/],
    ["malformed hex 12zz", good.map((v, i) => (i === 14 ? "12zz" : v)), /C1: not a hex hash/],
    ["hex with 0x", good.map((v, i) => (i === 14 ? "0x1f" : v)), /C1: not a hex hash/],
    ["hex with 9 digits", good.map((v, i) => (i === 39 ? "123456789" : v)), /C26: not a hex hash/],
    ["label 2", good.map((v, i) => (i === 0 ? "2" : v)), /label: expected 0 or 1/],
  ];
  for (const [name, fields, msg] of bad) {
    it(`rejects ${name} naming file, line and field`, () => {
      expect(() => parseCriteoLine(fields.join("\t"), "x.tsv", 7)).toThrow(CriteoParseError);
      expect(() => parseCriteoLine(fields.join("\t"), "x.tsv", 7)).toThrow(msg);
    });
  }
  it("says a comma-separated file is not TSV", () => {
    expect(() => parseCriteoLine(good.join(","), "x.csv", 1)).toThrow(/comma-separated/);
  });
  it("treats an empty line as malformed", () => {
    expect(() => parseCriteoLine("", "x.tsv", 3)).toThrow(/expected 40 fields, got 1/);
  });
});
