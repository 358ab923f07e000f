/** Tests of the strict safetensors reader and the atomic writer: round trip and malformed headers. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  encodeSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
  type StateDict,
} from "./safetensors.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-st-"));

function fileWithHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe("safetensors", () => {
  it("round-trips tensors byte for byte, including empty ones", () => {
    const sd: StateDict = new Map([
      ["a", { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, NaN, Infinity, -0]) }],
      ["empty", { dtype: "F32", shape: [0, 4], data: new Float32Array(0) }],
      ["b", { dtype: "F32", shape: [1], data: Float32Array.from([1e-30]) }],
    ]);
    const path = join(dir, "rt.safetensors");
    writeSafetensors(path, sd, { step: "7" });
    const back = readSafetensors(path);
    expect([...back.keys()].sort()).toEqual(["a", "b", "empty"]);
    for (const [k, v] of sd) {
      expect(back.get(k)!.shape).toEqual(v.shape);
      expect(new Uint8Array(back.get(k)!.data.buffer)).toEqual(new Uint8Array(v.data.buffer));
    }
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("reads the PyTorch fixture written by torch_dlrm_ref.py", () => {
    const sd = readSafetensors(
      new URL("../../../../fixtures/torch-parity-kaggle/init.safetensors", import.meta.url).pathname,
    );
    expect(sd.get("emb_l.0.weight")!.shape).toEqual([1000, 16]);
    expect(sd.get("top_l.2.bias")!.shape).toEqual([1]);
  });

  const good = { t: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Uint8Array, RegExp][] = [
    ["shorter than 8 bytes", new Uint8Array(3), /shorter than the 8-byte header length/],
    [
      "header length beyond the file",
      (() => {
        const f = fileWithHeader(good, 8);
        new DataView(f.buffer).setBigUint64(0, 10_000n, true);
        return f;
      })(),
      /runs past the end/,
    ],
    [
      "huge header",
      (() => {
        const f = fileWithHeader(good, 8);
        new DataView(f.buffer).setBigUint64(0, 1n << 40n, true);
        return f;
      })(),
      /exceeds/,
    ],
    [
      "not JSON",
      (() => {
        const f = fileWithHeader(good, 8);
        f[8] = 0x7b;
        f[9] = 0x7b;
        return f;
      })(),
      /not valid UTF-8 JSON/,
    ],
    ["unknown dtype", fileWithHeader({ t: { dtype: "Q7", shape: [2], data_offsets: [0, 8] } }, 8), /unknown dtype/],
    [
      "size != prod(shape) * itemsize",
      fileWithHeader({ t: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, 8),
      /needs 12/,
    ],
    [
      "data past the end",
      fileWithHeader({ t: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 8),
      /past the 8 data bytes/,
    ],
    [
      "overlapping offsets",
      fileWithHeader(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        8,
      ),
      /overlaps/,
    ],
    ["gapped offsets", fileWithHeader({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8), /gap of 4 bytes/],
    [
      "duplicate names",
      (() => {
        const json = new TextEncoder().encode(
          '{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        );
        const f = new Uint8Array(8 + json.length + 4);
        new DataView(f.buffer).setBigUint64(0, BigInt(json.length), true);
        f.set(json, 8);
        return f;
      })(),
      /tensor t appears twice/,
    ],
    [
      "negative shape",
      fileWithHeader({ t: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, 8),
      /non-negative integers/,
    ],
  ];
  for (const [name, bytes, msg] of cases) {
    it(`rejects a file with ${name}, naming the file`, () => {
      const path = join(dir, `${name.replace(/\W+/g, "-")}.safetensors`);
      writeFileSync(path, bytes);
      expect(() => readSafetensors(path)).toThrow(SafetensorsError);
      expect(() => readSafetensors(path)).toThrow(msg);
      expect(() => readSafetensors(path)).toThrow(path);
    });
  }

  it("parses its own encoding", () => {
    const bytes = encodeSafetensors(new Map([["x", { dtype: "F32", shape: [1], data: Float32Array.from([2]) }]]));
    expect(parseSafetensorsHeader("mem", bytes).entries.map((e) => e.name)).toEqual(["x"]);
    expect(readFileSync).toBeDefined();
  });
});
