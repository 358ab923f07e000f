/**
 * Tests of criteoScoringSource: every row of a Criteo file scored exactly once, in file
 * order, the last batch padded with copies of the final row and counted, and an empty
 * file refused naming the file; the streamed variant yields the same batches from a file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CountedBatch } from "../metrics/evaluate.js";
import { parseCriteoLine } from "./criteo-line.js";
import { criteoScoringSource, streamCriteoScoringSource } from "./criteo-tsv-source.js";

/** Row k: label k % 2, I1 = k, C1 = hash 0x100 + k. */
function row(k: number): string {
  return [String(k % 2), String(k), ...Array(12).fill(""), (0x100 + k).toString(16), ...Array(25).fill("")].join("\t");
}

describe("criteoScoringSource", () => {
  it("yields ceil(rows / B) batches in file order; the last is padded and counted", async () => {
    const rows = Array.from({ length: 7 }, (_, k) => parseCriteoLine(row(k), "r.tsv", k + 1));
    const source = criteoScoringSource(rows, "r.tsv", 3, 1000);
    expect(source.batchesPerEpoch).toBe(3);
    const batches: CountedBatch[] = [];
    for await (const b of source.batches(0)) batches.push(b);
    expect(batches.map((b) => b.count)).toEqual([3, 3, 1]);
    const firstTable = batches.flatMap((b) => Array.from(b.sparse.indices.subarray(0, 3)));
    expect(firstTable).toEqual([256, 257, 258, 259, 260, 261, 262, 262, 262]);
    expect(Array.from(batches[2]!.targets)).toEqual([0, 0, 0]);
    expect(batches[1]!.dense[13]).toBeCloseTo(Math.log(5), 6);
  });

  it("refuses a file without rows, naming it", () => {
    expect(() => criteoScoringSource([], "empty.tsv", 4, 10)).toThrow(/^empty\.tsv: no rows to score$/);
  });

  it("streamed from a file (no final newline) gives the same batches, and a bad line names file, line and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoring-"));
    try {
      const file = join(dir, "r.tsv");
      writeFileSync(file, Array.from({ length: 7 }, (_, k) => row(k)).join("\n"));
      const rows = Array.from({ length: 7 }, (_, k) => parseCriteoLine(row(k), file, k + 1));
      const streamed = await streamCriteoScoringSource(file, 3, 1000);
      expect(streamed.batchesPerEpoch).toBe(3);
      const a: CountedBatch[] = [];
      for await (const b of streamed.batches(0)) a.push(b);
      const e: CountedBatch[] = [];
      for await (const b of criteoScoringSource(rows, file, 3, 1000).batches(0)) e.push(b);
      expect(a).toEqual(e);
      writeFileSync(file, `${row(0)}\n${row(1).replace("\t1\t", "\tx\t")}\n`);
      const bad = await streamCriteoScoringSource(file, 3, 1000);
      await expect(async () => {
        for await (const _b of bad.batches(0));
      }).rejects.toThrow(/r\.tsv:2: I1: not an integer: "x"$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
