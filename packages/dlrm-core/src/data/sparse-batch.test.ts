/** Tests of host preprocessing: unique rows, the CSR inverse map, and input validation. */
import { describe, expect, it } from "vitest";
import { buildSparseBatch, SparseInputError } from "./sparse-batch.js";

describe("buildSparseBatch", () => {
  it("finds unique rows per table and lists each occurrence's bag, ascending", () => {
    // T = 2, B = 3. Table 0 bags: [4, 1], [4, 4], []. Table 1 bags: [0], [2], [0, 2].
    const indices = Int32Array.from([4, 1, 4, 4, 0, 2, 0, 2]);
    const offsets = Int32Array.from([0, 2, 4, 4, 5, 6, 8]);
    const s = buildSparseBatch({ indices, offsets }, [5, 3], 3);
    expect(s.numUnique).toBe(4);
    expect([...s.uniqueRows]).toEqual([1, 4, 0, 2]);
    expect([...s.tableUniqueOffsets]).toEqual([0, 2, 4]);
    expect([...s.csrOffsets]).toEqual([0, 1, 4, 6, 8]);
    expect([...s.csrBags]).toEqual([0, 0, 1, 1, 0, 2, 1, 2]);
  });

  it("accepts an empty batch of empty bags", () => {
    const s = buildSparseBatch({ indices: new Int32Array(0), offsets: new Int32Array(3) }, [10, 10], 1);
    expect(s.numUnique).toBe(0);
    expect([...s.tableUniqueOffsets]).toEqual([0, 0, 0]);
  });

  const bad: [string, number[], number[], RegExp, number?][] = [
    ["index == rows", [10], [0, 1], /index 10 .* out of range for table 0 \(10 rows\)/],
    ["index 2^31-1", [2147483647], [0, 1], /out of range/],
    ["index -1 (2^32-1 as int32)", [-1], [0, 1], /index -1/],
    ["offsets not starting at 0", [1], [1, 1], /offsets\[0\] must be 0/],
    ["offsets not monotone", [1, 2], [0, 2, 1], /must not decrease/, 2],
    ["offsets past the end", [1], [0, 2], /end at 2 but there are 1 indices/],
    ["wrong offsets length", [1], [0, 1, 1], /expected 2 entries/],
  ];
  for (const [name, idx, off, msg, batch = 1] of bad) {
    it(`rejects ${name} before any kernel runs`, () => {
      expect(() =>
        buildSparseBatch({ indices: Int32Array.from(idx), offsets: Int32Array.from(off) }, [10], batch),
      ).toThrow(SparseInputError);
      expect(() =>
        buildSparseBatch({ indices: Int32Array.from(idx), offsets: Int32Array.from(off) }, [10], batch),
      ).toThrow(msg);
    });
  }
});
