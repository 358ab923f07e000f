/**
 * Row-wise quantized embedding tables in FBGEMM's fused layouts (what PyTorch's
 * embedding_bag_byte_prepack and embedding_bag_4bit_prepack produce, and dlrm's
 * --quantize-emb-with-bit 8 / 4 use): per row the codes, then the row's scale and bias;
 * dequantizing a row and summing a bag of rows (the pooled embedding) read that layout.
 */
import { fromFp16Bits, toFp16Bits } from "./fp16.js";

export type EmbeddingBits = 4 | 8;

/**
 * One table of `rows` x `dim`, row-wise quantized. Row r occupies bytes
 * [r * rowBytes, (r + 1) * rowBytes) of `data`:
 * - 8-bit (FloatToFused8BitRowwiseQuantizedSBFloat): dim uint8 codes, then scale and bias
 *   as little-endian float32 (rowBytes = dim + 8);
 * - 4-bit (FloatToFusedNBitRowwiseQuantizedSBHalf): dim / 2 bytes, element j in the low
 *   nibble of byte j / 2 when j is even, the high one when odd, then scale and bias as
 *   little-endian fp16 (rowBytes = dim / 2 + 4).
 * The value of code q is q * scale + bias. Round trip per element: 8-bit |x - x'| <=
 * scale / 2 + 1e-8 (FBGEMM's epsilon in the inverse scale 255 / (range + 1e-8)); 4-bit
 * scale / 2 plus the fp16 rounding of the bias and of 15 * scale (both half an fp16 ulp).
 */
export interface QuantizedTable {
  readonly bits: EmbeddingBits;
  readonly rows: number;
  readonly dim: number;
  readonly rowBytes: number;
  readonly data: Uint8Array;
}

/** FBGEMM's kEpsilon in the 8-bit inverse scale 255 / (range + eps). */
const EPS8 = Math.fround(1e-8);

/** lrintf under the default rounding mode: nearest integer, ties to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Bytes per row of a `bits`-bit table of width `dim`. */
export function rowBytesOf(bits: EmbeddingBits, dim: number): number {
  return bits === 8 ? dim + 8 : Math.ceil(dim / 2) + 4;
}

function minMax(values: Float32Array, lo: number, n: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = values[lo + j]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Row `r` of `weights` into `out` at `at`, 8-bit: scale = range / 255, bias = min, both float32. */
function quantizeRow8(weights: Float32Array, r: number, dim: number, out: DataView, at: number): void {
  const { min, max } = minMax(weights, r * dim, dim);
  const range = Math.fround(max - min);
  const inverse = Math.fround(255 / Math.fround(range + EPS8));
  for (let j = 0; j < dim; j++) {
    const t = Math.fround(Math.fround(weights[r * dim + j]! - min) * inverse);
    out.setUint8(at + j, roundHalfEven(t));
  }
  out.setFloat32(at + dim, Math.fround(range / 255), true);
  out.setFloat32(at + dim + 4, min, true);
}

/**
 * Row `r` into `out` at `at`, 4-bit as FBGEMM does it: bias = fp16(min); scale =
 * fp16((max - bias) / 15), 1 when that is 0 or its inverse overflows; codes clamped to [0, 15].
 */
function quantizeRow4(weights: Float32Array, r: number, dim: number, out: DataView, at: number): void {
  const { min, max } = minMax(weights, r * dim, dim);
  const biasBits = toFp16Bits(min);
  const bias = fromFp16Bits(biasBits);
  const range = Math.fround(max - bias);
  let scale = fromFp16Bits(toFp16Bits(range === 0 ? 1 : Math.fround(range / 15)));
  if (scale === 0) scale = 1;
  let inverse = Math.fround(1 / scale);
  if (!Number.isFinite(inverse)) {
    scale = 1;
    inverse = 1;
  }
  for (let j = 0; j < dim; j++) {
    const t = Math.fround(Math.fround(weights[r * dim + j]! - bias) * inverse);
    const q = Math.max(0, Math.min(15, roundHalfEven(t)));
    const k = at + (j >> 1);
    out.setUint8(k, (j & 1) === 0 ? q : out.getUint8(k) | (q << 4));
  }
  const codes = Math.ceil(dim / 2);
  out.setUint16(at + codes, toFp16Bits(scale), true);
  out.setUint16(at + codes + 2, biasBits, true);
}

/** Quantizes a float32 table [rows, dim] (row-major) row-wise to `bits` bits. */
export function quantizeTable(weights: Float32Array, rows: number, dim: number, bits: EmbeddingBits): QuantizedTable {
  if (weights.length !== rows * dim)
    throw new RangeError(`table: expected ${rows * dim} values, got ${weights.length}`);
  const rowBytes = rowBytesOf(bits, dim);
  const data = new Uint8Array(rows * rowBytes);
  const view = new DataView(data.buffer);
  for (let r = 0; r < rows; r++) {
    if (bits === 8) quantizeRow8(weights, r, dim, view, r * rowBytes);
    else quantizeRow4(weights, r, dim, view, r * rowBytes);
  }
  return { bits, rows, dim, rowBytes, data };
}

/** The scale and bias of row `r` (float32 values; 4-bit ones read from fp16). */
export function rowScaleBias(t: QuantizedTable, r: number): { scale: number; bias: number } {
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const at = r * t.rowBytes + (t.bits === 8 ? t.dim : Math.ceil(t.dim / 2));
  if (t.bits === 8) return { scale: view.getFloat32(at, true), bias: view.getFloat32(at + 4, true) };
  return { scale: fromFp16Bits(view.getUint16(at, true)), bias: fromFp16Bits(view.getUint16(at + 2, true)) };
}

/** Row `r` dequantized, x'_j = q_j * scale + bias (float32), into `out` [dim]. */
export function dequantizeRow(t: QuantizedTable, r: number, out: Float32Array): void {
  const { scale, bias } = rowScaleBias(t, r);
  const at = r * t.rowBytes;
  for (let j = 0; j < t.dim; j++) {
    const q = t.bits === 8 ? t.data[at + j]! : (t.data[at + (j >> 1)]! >> ((j & 1) * 4)) & 15;
    out[j] = Math.fround(q * scale + bias);
  }
}

/** fp16 bit pattern -> value, for the 4-bit tables' per-lookup scale and bias. */
const FP16 = (() => {
  const lut = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) lut[h] = fromFp16Bits(h);
  return lut;
})();

/**
 * The sum pooling of one bag: out[at + j] = sum over i in [lo, hi) of row indices[i]'s
 * dequantized element j (accumulated in double, stored as float32); an empty bag is 0.
 */
export function poolBag(
  t: QuantizedTable,
  indices: Int32Array,
  lo: number,
  hi: number,
  out: Float32Array,
  at: number,
  acc: Float64Array,
): void {
  const { dim, data, rowBytes } = t;
  acc.fill(0, 0, dim);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = lo; i < hi; i++) {
    const base = indices[i]! * rowBytes;
    if (t.bits === 8) {
      const scale = view.getFloat32(base + dim, true);
      const bias = view.getFloat32(base + dim + 4, true);
      for (let j = 0; j < dim; j++) acc[j] = acc[j]! + data[base + j]! * scale + bias;
    } else {
      const codes = (dim + 1) >> 1;
      const scale = FP16[view.getUint16(base + codes, true)]!;
      const bias = FP16[view.getUint16(base + codes + 2, true)]!;
      for (let j = 0; j < dim; j++) {
        const q = (data[base + (j >> 1)]! >> ((j & 1) * 4)) & 15;
        acc[j] = acc[j]! + q * scale + bias;
      }
    }
  }
  for (let j = 0; j < dim; j++) out[at + j] = acc[j]!;
}
