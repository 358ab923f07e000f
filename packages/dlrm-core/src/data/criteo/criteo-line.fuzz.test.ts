/**
 * Property-based fuzzing of the strict line parser (fast-check): any string, and any
 * mutation of a valid line, gives a row or a CriteoParseError naming file and line, never
 * another exception and never a hang; valid rows round-trip through their text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CRITEO_FIELDS, CriteoParseError, parseCriteoLine } from "../criteo-line.js";

/** Parses, asserting the only failure is a CriteoParseError naming f.tsv:9 and finishes fast. */
function parsesOrTypedError(text: string): void {
  const t0 = performance.now();
  try {
    const r = parseCriteoLine(text, "f.tsv", 9);
    expect(r.dense).toHaveLength(13);
    expect(r.sparse).toHaveLength(26);
    for (const h of r.sparse) expect(h >= 0 && h <= 0xffffffff && Number.isInteger(h)).toBe(true);
  } catch (e) {
    expect(e).toBeInstanceOf(CriteoParseError);
    expect((e as Error).message.startsWith("f.tsv:9: ")).toBe(true);
  }
  expect(performance.now() - t0).toBeLessThan(200);
}

const token = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "1",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "ffffffff",
    "0x1f",
    "12zz",
    "1.5",
    "1e3",
    " 1",
    "\u0661",
    "\r",
  ),
  fc.string({ maxLength: 10 }),
  fc.stringMatching(/^[0-9a-fA-F]{1,9}$/),
  fc.integer().map(String),
);
const validLine = fc
  .tuple(
    fc.constantFrom("0", "1"),
    fc.array(fc.option(fc.integer({ min: -2147483648, max: 2147483647 }).map(String), { nil: "" }), {
      minLength: 13,
      maxLength: 13,
    }),
    fc.array(
      fc.option(
        fc.integer({ min: 0, max: 0xffffffff }).map((h) => h.toString(16).padStart(8, "0")),
        { nil: "" },
      ),
      { minLength: 26, maxLength: 26 },
    ),
  )
  .map(([l, d, s]) => [l, ...d, ...s]);

describe("parseCriteoLine under fuzzing", () => {
  it("any unicode string gives a row or a CriteoParseError", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), parsesOrTypedError), { numRuns: 2000 });
  });

  it("tab-joined random tokens (any field count) give a row or a CriteoParseError", () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 0, maxLength: 45 }), (fields) => parsesOrTypedError(fields.join("\t"))),
      { numRuns: 3000 },
    );
  });

  it("valid lines parse to exactly their values; one mutated field is a typed error or still valid", () => {
    fc.assert(
      fc.property(validLine, fc.nat(CRITEO_FIELDS - 1), token, (fields, at, tok) => {
        const r = parseCriteoLine(fields.join("\t"), "f.tsv", 9);
        expect(r.label).toBe(Number(fields[0]));
        r.dense.forEach((v, i) => expect(v).toBe(fields[1 + i] === "" ? 0 : Number(fields[1 + i])));
        r.sparse.forEach((v, i) => expect(v).toBe(fields[14 + i] === "" ? 0 : parseInt(fields[14 + i]!, 16)));
        const mutated = [...fields];
        mutated[at] = tok;
        parsesOrTypedError(mutated.join("\t"));
      }),
      { numRuns: 1000 },
    );
  });

  it("a very long line fails fast with a typed error", () => {
    parsesOrTypedError("1\t".repeat(200_000));
    parsesOrTypedError("9".repeat(1_000_000));
  });
});
