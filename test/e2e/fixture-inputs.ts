/**
 * A fixture's exact batches (`inputs.safetensors`, written by torch_dlrm_ref.py with
 * --write-inputs or --multi-hot): dense [S, B, 13] and labels [S, B] float32, and per table
 * indices.<t> [S, nnz_t] and offsets.<t> [S, B] int64 (bag starts within the step). Served
 * as a BatchSource of S batches, T*B bags table-major, so a parity test feeds PyTorch's bags.
 */
import { closeSync } from "node:fs";
import { openSafetensors, readTensorBytes, type Batch, type BatchSource } from "@dlrm/core";

interface Tensor64 {
  shape: number[];
  data: Float64Array;
}

/** Every tensor of the file as float64 (int64 values are far below 2^53). */
function readAll(path: string): Map<string, Tensor64> {
  const file = openSafetensors(path);
  try {
    const out = new Map<string, Tensor64>();
    for (const e of file.entries) {
      const bytes = new Uint8Array(e.end - e.begin);
      readTensorBytes(file, e, bytes);
      const n = e.shape.reduce((a, d) => a * d, 1);
      const data = new Float64Array(n);
      const view = new DataView(bytes.buffer);
      if (e.dtype === "F32") for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
      else if (e.dtype === "I64") for (let i = 0; i < n; i++) data[i] = Number(view.getBigInt64(8 * i, true));
      else throw new Error(`${path}: tensor ${e.name} has dtype ${e.dtype}, expected F32 or I64`);
      out.set(e.name, { shape: e.shape, data });
    }
    return out;
  } finally {
    closeSync(file.fd);
  }
}

/** The fixture's batches as a source; `maxIndicesPerBag` is the largest bag in the file. */
export function fixtureInputSource(path: string, numTables: number): BatchSource {
  const t = readAll(path);
  const dense = t.get("dense")!;
  const labels = t.get("labels")!;
  const [S, B, denseIn] = dense.shape as [number, number, number];
  const batches: Batch[] = [];
  let maxBag = 1;
  for (let s = 0; s < S; s++) {
    const indices: number[] = [];
    const offsets = new Int32Array(numTables * B + 1);
    for (let k = 0; k < numTables; k++) {
      const idx = t.get(`indices.${k}`)!;
      const off = t.get(`offsets.${k}`)!;
      const nnz = idx.shape[1]!;
      for (let b = 0; b < B; b++) {
        offsets[k * B + b] = indices.length + off.data[s * B + b]!;
        const end = b + 1 < B ? off.data[s * B + b + 1]! : nnz;
        maxBag = Math.max(maxBag, end - off.data[s * B + b]!);
      }
      for (let i = 0; i < nnz; i++) indices.push(idx.data[s * nnz + i]!);
    }
    offsets[numTables * B] = indices.length;
    batches.push({
      dense: Float32Array.from(dense.data.subarray(s * B * denseIn, (s + 1) * B * denseIn)),
      targets: Float32Array.from(labels.data.subarray(s * B, (s + 1) * B)),
      sparse: { indices: Int32Array.from(indices), offsets },
    });
  }
  return {
    batchesPerEpoch: S,
    maxIndicesPerBag: maxBag,
    description: `${path}: ${S} batches of ${B}, the fixture's own bags`,
    async *batches(_epoch: number, from = 0) {
      for (let s = from; s < S; s++) yield batches[s]!;
    },
  };
}
