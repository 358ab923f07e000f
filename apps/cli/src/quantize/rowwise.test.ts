/**
 * Row-wise table quantization: the bytes equal PyTorch's (FBGEMM's) prepacking of the same
 * table (fixtures/rowwise-prepack, from tools/torch/rowwise_prepack.py), every row's
 * round-trip error is within its bound, bags pool the dequantized rows, and the fp16
 * conversion rounds to nearest even.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fromFp16Bits, roundToFp16, toFp16Bits } from "./fp16.js";
import { dequantizeRow, poolBag, quantizeTable, rowScaleBias, type EmbeddingBits } from "./rowwise.js";

interface PrepackFixture {
  rows: number;
  dim: number;
  weights: number[];
  byte_prepack_hex: string;
  nbit4_prepack_hex: string;
}

const fixture = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../../../fixtures/rowwise-prepack/table-48x16.json", import.meta.url)),
    "utf8",
  ),
) as PrepackFixture;
const weights = Float32Array.from(fixture.weights);

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** A seeded table with a spread of row ranges, for the bounds. */
function randomTable(rows: number, dim: number): Float32Array {
  let s = 12345;
  const next = (): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const w = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const spread = 10 ** (next() * 6 - 4);
    const centre = (next() - 0.5) * 4;
    for (let j = 0; j < dim; j++) w[r * dim + j] = centre + (next() - 0.5) * spread;
  }
  return w;
}

describe("quantizeTable matches PyTorch's prepacking", () => {
  it("8-bit: embedding_bag_byte_prepack's bytes (codes, float32 scale and bias)", () => {
    const q = quantizeTable(weights, fixture.rows, fixture.dim, 8);
    expect(q.rowBytes).toBe(fixture.dim + 8);
    expect(hex(q.data)).toBe(fixture.byte_prepack_hex);
  });

  it("4-bit: embedding_bag_4bit_prepack's bytes (nibbles, fp16 scale and bias)", () => {
    const q = quantizeTable(weights, fixture.rows, fixture.dim, 4);
    expect(q.rowBytes).toBe(fixture.dim / 2 + 4);
    expect(hex(q.data)).toBe(fixture.nbit4_prepack_hex);
  });
});

describe("round-trip error per row", () => {
  const rows = 400;
  const dim = 24;
  const w = randomTable(rows, dim);

  it("8-bit: |x - x'| <= scale / 2 + 1e-8 (FBGEMM's epsilon in 255 / (range + 1e-8)), float32 rounding aside", () => {
    const q = quantizeTable(w, rows, dim, 8);
    const row = new Float32Array(dim).fill(NaN);
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      dequantizeRow(q, r, row);
      const { scale } = rowScaleBias(q, r);
      const mag = Math.max(...Array.from(w.subarray(r * dim, (r + 1) * dim), Math.abs));
      for (let j = 0; j < dim; j++) {
        const err = Math.abs(w[r * dim + j]! - row[j]!);
        expect(err).toBeLessThanOrEqual(scale / 2 + 1e-8 + 4 * 2 ** -24 * mag);
        worst = Math.max(worst, err / scale);
      }
    }
    // The bound is reached, not loose: some element sits close to half a step away.
    expect(worst).toBeGreaterThan(0.45);
  });

  it("4-bit: |x - x'| <= scale / 2 plus the fp16 rounding of the bias and of 15 * scale", () => {
    const q = quantizeTable(w, rows, dim, 4);
    const row = new Float32Array(dim).fill(NaN);
    for (let r = 0; r < rows; r++) {
      dequantizeRow(q, r, row);
      const { scale, bias } = rowScaleBias(q, r);
      const xs = Array.from(w.subarray(r * dim, (r + 1) * dim));
      const min = Math.min(...xs);
      const max = Math.max(...xs);
      // bias = fp16(min); scale = fp16((max - bias) / 15): each off by at most half an fp16 ulp.
      const slack = Math.abs(bias - min) + 15 * Math.abs(scale - (max - bias) / 15);
      const mag = Math.max(Math.abs(min), Math.abs(max));
      for (let j = 0; j < dim; j++)
        expect(Math.abs(xs[j]! - row[j]!)).toBeLessThanOrEqual(scale / 2 + slack + 8 * 2 ** -24 * mag);
      expect(Math.abs(bias - min)).toBeLessThanOrEqual(2 ** -11 * Math.abs(min) + 2 ** -25);
    }
  });

  it("a constant row comes back exactly at 8 bits", () => {
    const q = quantizeTable(new Float32Array(8).fill(0.3), 1, 8, 8);
    const row = new Float32Array(8).fill(NaN);
    dequantizeRow(q, 0, row);
    expect(Array.from(row)).toEqual(new Array(8).fill(Math.fround(0.3)));
  });
});

describe("poolBag", () => {
  it.each([8, 4] as EmbeddingBits[])("%i-bit: the sum of the bag's dequantized rows; an empty bag is 0", (bits) => {
    const rows = 30;
    const dim = 6;
    const q = quantizeTable(randomTable(rows, dim), rows, dim, bits);
    const indices = Int32Array.from([3, 17, 3, 29]);
    const out = new Float32Array(2 * dim).fill(NaN);
    const acc = new Float64Array(dim);
    poolBag(q, indices, 0, 4, out, dim, acc);
    poolBag(q, indices, 2, 2, out, 0, acc);
    const row = new Float32Array(dim);
    const want = new Float64Array(dim);
    for (const r of indices) {
      dequantizeRow(q, r, row);
      for (let j = 0; j < dim; j++) want[j] = want[j]! + row[j]!;
    }
    for (let j = 0; j < dim; j++) {
      expect(out[j]).toBe(0);
      expect(Math.abs(out[dim + j]! - want[j]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[j]!)));
    }
  });
});

describe("fp16", () => {
  it("rounds to nearest, ties to even, and keeps subnormals and infinities", () => {
    expect(toFp16Bits(1)).toBe(0x3c00);
    expect(toFp16Bits(65504)).toBe(0x7bff);
    expect(toFp16Bits(65520)).toBe(0x7c00);
    expect(toFp16Bits(-2)).toBe(0xc000);
    expect(toFp16Bits(1 / 3)).toBe(0x3555);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even 1.
    expect(toFp16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFp16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toFp16Bits(2 ** -24)).toBe(0x0001);
    expect(toFp16Bits(3 * 2 ** -25)).toBe(0x0002);
    expect(toFp16Bits(2 ** -26)).toBe(0x0000);
    expect(fromFp16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFp16Bits(0x7c00)).toBe(Infinity);
    expect(roundToFp16(0.1)).toBe(fromFp16Bits(0x2e66));
  });
});
