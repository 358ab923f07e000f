/**
 * Unit tests of the TensorBoard writer's pieces: CRC-32C's check value, TFRecord framing
 * (length, masked CRCs) and the Event encoding of a scalar, byte for byte as TensorFlow's
 * record writer and protobuf encoder give them.
 */
import { describe, expect, it } from "vitest";
import { crc32c, encodeEvent, maskedCrc32c, tfRecord } from "./tensorboard.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("tensorboard event encoding", () => {
  it("computes CRC-32C's check value and TFRecord's mask", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    const c = 0xe3069283;
    expect(maskedCrc32c(new TextEncoder().encode("123456789"))).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });

  it("frames a record: little-endian length, its masked CRC, the data, the data's masked CRC", () => {
    const data = Uint8Array.of(1, 2, 3);
    const r = tfRecord(data);
    expect(r).toHaveLength(19);
    expect(hex(r.subarray(0, 8))).toBe("0300000000000000");
    const view = new DataView(r.buffer);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(r.subarray(0, 8)));
    expect(hex(r.subarray(12, 15))).toBe("010203");
    expect(view.getUint32(15, true)).toBe(maskedCrc32c(data));
  });

  it("encodes an Event with one scalar as protobuf's wire format", () => {
    const e = encodeEvent({ wallTime: 1.5, step: 300, scalars: [{ tag: "a", value: 0.5 }] });
    // 09 <double 1.5> 10 <varint 300> 2a 0a (summary) 0a 08 (value) 0a 01 'a' 15 <float 0.5>
    expect(hex(e)).toBe("09000000000000f83f10ac022a0a0a080a0161150000003f");
  });
});
