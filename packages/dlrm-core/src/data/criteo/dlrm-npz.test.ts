/**
 * Tests of reading dlrm's processed .npz: zips of .npy arrays made here (fflate's zipSync,
 * npy version 1.0 headers as numpy writes them) become chunks of the same rows with the
 * tables sized by `counts`; a missing array, a wrong shape or dtype and an index outside its
 * table are each one error naming the file and the array.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { ROW_INTS } from "./binary-rows.js";
import { preprocessCriteo } from "./preprocess.js";

const tmp = mkdtempSync(join(tmpdir(), "dlrm-npz-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An .npy file (format 1.0, C order) of int32 (or the given descr's) values. */
function npy(shape: number[], values: number[], descr = "<i4"): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0])]);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  const data =
    descr === "<f4" ? Buffer.from(new Float32Array(values).buffer) : Buffer.from(new Int32Array(values).buffer);
  return new Uint8Array(Buffer.concat([head, len, Buffer.from(header, "latin1"), data]));
}

const N = 14;
const counts = Array.from({ length: 26 }, (_, t) => 3 + t);
const y = Array.from({ length: N }, (_, r) => r % 2);
const xInt = Array.from({ length: N * 13 }, (_, i) => i % 17);
const xCat = Array.from({ length: N * 26 }, (_, i) => i % counts[i % 26]!);

function writeNpz(name: string, members: Record<string, Uint8Array>): string {
  const path = join(tmp, name);
  writeFileSync(path, zipSync(members, { level: 6 }));
  return path;
}

const good = (): Record<string, Uint8Array> => ({
  "X_cat.npy": npy([N, 26], xCat),
  "X_int.npy": npy([N, 13], xInt),
  "y.npy": npy([N], y),
  "counts.npy": npy([26], counts),
});

const run = (input: string, out: string) =>
  preprocessCriteo({
    inputs: [input],
    output: join(tmp, out),
    dataSet: "kaggle",
    mapping: { kind: "modulo", range: 9 },
  });

describe("dlrm's processed .npz as a processed directory", () => {
  it("gives the same rows in order, tables of counts rows, dlrm's 7 Kaggle days", async () => {
    const r = await run(writeNpz("good.npz", good()), "good");
    expect(r.summary.rows).toBe(N);
    expect(r.summary.tableRows).toEqual(counts);
    expect(r.summary.dayRows).toEqual([2, 2, 2, 2, 2, 2, 2]);
    const bins = readdirSync(join(r.dir, "chunks"))
      .filter((f) => f.endsWith(".bin"))
      .sort()
      .map((f) => readFileSync(join(r.dir, "chunks", f)));
    const rows = new Int32Array(new Uint8Array(Buffer.concat(bins)).buffer);
    expect(rows.length).toBe(N * ROW_INTS);
    for (let s = 0; s < N; s++) {
      expect(rows[s * ROW_INTS]).toBe(y[s]);
      expect(Array.from(rows.subarray(s * ROW_INTS + 1, s * ROW_INTS + 14))).toEqual(xInt.slice(s * 13, s * 13 + 13));
      expect(Array.from(rows.subarray(s * ROW_INTS + 14, s * ROW_INTS + 40))).toEqual(xCat.slice(s * 26, s * 26 + 26));
    }
    expect(readdirSync(r.dir).filter((f) => f.endsWith(".raw"))).toEqual([]);
  });

  it("a missing array, a wrong shape or dtype, and an index outside its table are refused by name", async () => {
    const { ["counts.npy"]: _, ...noCounts } = good();
    await expect(run(writeNpz("nocounts.npz", noCounts), "a")).rejects.toThrow(/nocounts\.npz: lacks counts\.npy/);
    await expect(run(writeNpz("shape.npz", { ...good(), "y.npy": npy([N - 1], y.slice(1)) }), "b")).rejects.toThrow(
      /shape\.npz: X_int has shape \(14, 13\), expected \(13, 13\)/,
    );
    await expect(
      run(writeNpz("dtype.npz", { ...good(), "X_int.npy": npy([N, 13], xInt, "<f4") }), "c"),
    ).rejects.toThrow(/dtype\.npz \(X_int\.npy\): has dtype <f4/);
    const bad = [...xCat];
    bad[5 * 26 + 2] = counts[2]!;
    await expect(run(writeNpz("range.npz", { ...good(), "X_cat.npy": npy([N, 26], bad) }), "d")).rejects.toThrow(
      /range\.npz: X_cat\[5, 2\] is 5, outside table 2's 5 rows/,
    );
  });
});
