/**
 * RELIABILITY.md's "Bad input (Criteo lines)" table, row by row, through preprocessing:
 * the strict error (file, line, field, token) or, with --bad-lines skip, the count and the
 * rejects file; unsigned hashes; CRLF/BOM/no final newline; truncated gzip; the bad-line
 * cap; stale caches and killed runs are in preprocess.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { CriteoParseError } from "../criteo-line.js";
import { BadLineRatioError } from "./bad-lines.js";
import { decodeRow } from "./binary-rows.js";
import { CriteoFileError } from "./line-stream.js";
import { preprocessCriteo, type PreprocessOptions } from "./preprocess.js";
import { ProcessedDataset } from "./processed-dataset.js";

const tmp = mkdtempSync(join(tmpdir(), "dlrm-bad-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const good = ["1", ...Array<string>(13).fill("3"), ...Array<string>(26).fill("8000abcd")];
const withField = (i: number, v: string): string => good.map((x, k) => (k === i ? v : x)).join("\t");
let n = 0;

/** Writes `body` lines around three good ones (so the bad line is line 2) and preprocesses. */
async function run(badLine: string | Buffer, extra: Partial<PreprocessOptions> = {}, raw = false) {
  const file = join(tmp, `in-${++n}.tsv`);
  writeFileSync(file, raw ? badLine : `${good.join("\t")}\n${badLine as string}\n${good.join("\t")}\n`);
  const output = join(tmp, `out-${n}`);
  return {
    file,
    output,
    result: preprocessCriteo({
      inputs: [file],
      output,
      dataSet: "kaggle",
      mapping: { kind: "modulo", range: 1000 },
      ...extra,
    }),
  };
}
const skip = { badLines: { mode: "skip" as const, maxBadLineRatio: 0.5 } };

describe("bad Criteo lines, strict by default and counted with --bad-lines skip", () => {
  it("empty dense and categorical fields become 0 / the missing index, and are counted", async () => {
    const line = good.map((x, k) => (k === 2 || k === 20 || k === 21 ? "" : x)).join("\t");
    const { output, result } = await run(line);
    const s = (await result).summary;
    expect([s.missingDense, s.missingSparse]).toEqual([1, 2]);
    const row = decodeRow(ProcessedDataset.open(output).loadRange(1, 2), 0);
    expect(row.dense[1]).toBe(0);
    expect(row.sparse[6]).toBe(0);
  });

  const cases: [string, string, RegExp][] = [
    [
      "39 fields (Kaggle test file, no label)",
      good.slice(1).join("\t"),
      /in-\d+\.tsv:2: line: expected 40 fields, got 39/,
    ],
    ["too many fields", [...good, "1"].join("\t"), /:2: line: expected 40 fields, got 41/],
    ["non-numeric dense (a hex string)", withField(5, "1a2b"), /:2: I5: not an integer: "1a2b"/],
    ["dense with a numeric prefix", withField(5, "12abc"), /:2: I5: not an integer: "12abc"/],
    ["malformed hex 12zz", withField(14, "12zz"), /:2: C1: not a hex hash of 1-8 digits: "12zz"/],
    ["hex with 0x", withField(15, "0x1f"), /:2: C2: not a hex hash of 1-8 digits: "0x1f"/],
    ["hex with 9 digits", withField(16, "123456789"), /:2: C3: not a hex hash/],
    ["non-ASCII hex", withField(17, "ab\u00e9d"), /:2: C4: not a hex hash/],
    ["dense beyond int32", withField(1, "2147483648"), /:2: I1: 2147483648 is beyond the 32-bit integer range/],
    ["label not 0/1", withField(0, "2"), /:2: label: expected 0 or 1, got "2"/],
    ["empty line", "", /:2: line: expected 40 fields, got 1/],
  ];
  for (const [name, line, msg] of cases) {
    it(`${name}: strict error naming file, line, field and token; skip counts it and writes it to the rejects file`, async () => {
      const strict = await run(line);
      await expect(strict.result).rejects.toThrow(CriteoParseError);
      await expect((await run(line)).result).rejects.toThrow(msg);
      expect(existsSync(strict.output)).toBe(false);
      const lenient = await run(line, skip);
      const s = (await lenient.result).summary;
      expect([s.rows, s.badLines]).toEqual([2, 1]);
      expect(s.badLineMessages[0]).toMatch(msg);
      expect(readFileSync(`${lenient.output}.rejects.tsv`, "utf8")).toBe(`${line}\n`);
    });
  }

  it("hex >= 0x80000000 is unsigned and its index is in range", async () => {
    const { output, result } = await run(withField(14, "ffffffff"));
    await result;
    const row = decodeRow(ProcessedDataset.open(output).loadRange(1, 2), 0);
    expect(row.sparse[0]).toBe(4294967295 % 1000);
    expect(decodeRow(ProcessedDataset.open(output).loadRange(0, 1), 0).sparse[0]).toBe(0x8000abcd % 1000);
  });

  it("negative dense is kept raw and clamped to 0 before log(x+1) when batches are made", async () => {
    const { output, result } = await run(withField(3, "-7"));
    await result;
    expect(decodeRow(ProcessedDataset.open(output).loadRange(1, 2), 0).dense[2]).toBe(-7);
    const { assembleBatch } = await import("./batch-assembly.js");
    const b = assembleBatch(ProcessedDataset.open(output).loadRange(1, 2), 1);
    expect(b.dense[2]).toBe(0);
    expect(Array.from(b.dense).every(Number.isFinite)).toBe(true);
  });

  it("accepts CRLF, a BOM and no final newline", async () => {
    const text = `\ufeff${good.join("\t")}\r\n${withField(0, "0")}\r\n${good.join("\t")}`;
    const { result } = await run(text, {}, true);
    expect((await result).summary.rows).toBe(3);
  });

  it("a comma-separated file is an error on line 1", async () => {
    await expect((await run(good.join(","), {}, true)).result).rejects.toThrow(
      /in-\d+\.tsv:1: line: expected 40 fields, got 1 \(comma-separated/,
    );
  });

  it("reads gzip input, and a truncated gzip is an error naming the file with no partial output kept", async () => {
    const body = Array.from({ length: 2000 }, (_, i) => withField(1, String(i))).join("\n") + "\n";
    const gz = gzipSync(body);
    const ok = await run(gz, {}, true);
    expect((await ok.result).summary.rows).toBe(2000);
    const cut = await run(gz.subarray(0, gz.length - 40), {}, true);
    await expect(cut.result).rejects.toThrow(CriteoFileError);
    await expect((await run(gz.subarray(0, gz.length - 40), {}, true)).result).rejects.toThrow(
      /in-\d+\.tsv: truncated gzip/,
    );
    expect(existsSync(cut.output)).toBe(false);
  });

  it("aborts once bad lines exceed the allowed ratio, writing the rejected lines to a file", async () => {
    const lines = Array.from({ length: 1200 }, (_, i) => (i % 50 === 7 ? withField(0, "x") : good.join("\t")));
    const file = join(tmp, "ratio.tsv");
    writeFileSync(file, lines.join("\n"));
    const output = join(tmp, "ratio-out");
    const opts = {
      inputs: [file],
      output,
      dataSet: "kaggle" as const,
      mapping: { kind: "modulo" as const, range: 10 },
      chunkRows: 300,
    };
    const p = preprocessCriteo({ ...opts, badLines: { mode: "skip", maxBadLineRatio: 0.01 } });
    await expect(p).rejects.toThrow(BadLineRatioError);
    await expect(preprocessCriteo({ ...opts, badLines: { mode: "skip", maxBadLineRatio: 0.01 } })).rejects.toThrow(
      /21 of 1008 lines are malformed \(2\.08 %\), more than --max-bad-line-ratio 0\.01.*ratio-out\.rejects\.tsv/,
    );
    expect(
      readFileSync(`${output}.rejects.tsv`, "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    ).toHaveLength(21);
    expect(existsSync(output)).toBe(false);
    const fine = await preprocessCriteo({ ...opts, badLines: { mode: "skip", maxBadLineRatio: 0.05 } });
    expect([fine.summary.rows, fine.summary.badLines]).toEqual([1176, 24]);
  });
});
