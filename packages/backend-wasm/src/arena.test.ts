/**
 * Arena and memory tests: aligned first-fit allocation with coalescing, growth of the
 * shared memory with data preserved and views re-created, the 4 GiB limit reported as a
 * RangeError naming the label, and the backend's memory calls (write/read/free/dispose).
 */
import { describe, expect, it } from "vitest";
import { ALIGN, Arena } from "./arena.js";
import { WasmBackend } from "./backend.js";
import { createMemory, PAGE_BYTES } from "./loader.js";

describe("Arena", () => {
  it("hands out aligned, disjoint blocks and reuses freed space first-fit", () => {
    const arena = new Arena(createMemory(1), 100);
    const a = arena.alloc(10, "a"),
      b = arena.alloc(100, "b"),
      c = arena.alloc(1, "c");
    for (const x of [a, b, c]) expect(x % ALIGN).toBe(0);
    expect(a).toBeGreaterThanOrEqual(100);
    expect(b).toBeGreaterThanOrEqual(a + 10);
    expect(c).toBeGreaterThanOrEqual(b + 100);
    arena.free(a);
    expect(arena.alloc(64, "d")).toBe(a);
    expect(arena.liveBytes).toBe(64 + 128 + 64);
  });

  it("coalesces neighbours so a freed run can hold a bigger block", () => {
    const arena = new Arena(createMemory(1), 0);
    const blocks = [0, 1, 2, 3].map((i) => arena.alloc(64, `b${i}`));
    arena.alloc(64, "keep-top");
    arena.free(blocks[1]!);
    arena.free(blocks[2]!);
    arena.free(blocks[0]!);
    expect(arena.alloc(192, "merged")).toBe(blocks[0]);
  });

  it("throws on a double free", () => {
    const arena = new Arena(createMemory(1), 0);
    const a = arena.alloc(8, "a");
    arena.free(a);
    expect(() => arena.free(a)).toThrow(/no live block/);
  });

  it("grows the memory, keeps the data, and re-creates the views", () => {
    const memory = createMemory(1);
    const arena = new Arena(memory, 0);
    const a = arena.alloc(1024, "a");
    arena.f32.set([1, 2, 3], a / 4);
    const oldView = arena.f32;
    const big = arena.alloc(40 * PAGE_BYTES, "big");
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 40 * PAGE_BYTES);
    expect(arena.f32).not.toBe(oldView);
    expect(arena.f32.length).toBe(memory.buffer.byteLength / 4);
    expect(Array.from(arena.f32.subarray(a / 4, a / 4 + 3))).toEqual([1, 2, 3]);
    arena.f32[(big + 40 * PAGE_BYTES) / 4 - 1] = 7;
    expect(arena.f32[(big + 40 * PAGE_BYTES) / 4 - 1]).toBe(7);
  });

  it("refuses more than 4 GiB with a RangeError naming the label", () => {
    const arena = new Arena(createMemory(1), 1024);
    expect(() => arena.alloc(2 ** 32, "huge table")).toThrow(RangeError);
    expect(() => arena.alloc(2 ** 32, "huge table")).toThrow(/huge table/);
    expect(arena.alloc(16, "still works")).toBeGreaterThanOrEqual(0);
  });
});

describe("WasmBackend memory calls", () => {
  it("grows past its initial 16 MiB for a 64 MiB table and round-trips data", async () => {
    const be = await WasmBackend.create(1);
    const before = be.memoryCapacity;
    const t = be.alloc([262144, 64], "f32", "table");
    expect(be.memoryCapacity).toBeGreaterThan(before);
    const data = new Float32Array(t.size);
    for (let i = 0; i < data.length; i += 4099) data[i] = i;
    be.write(t, data);
    const back = (await be.read(t)) as Float32Array;
    expect(back[4099 * 1000]).toBe(4099 * 1000);
    expect(back[back.length - 1]).toBe(data[data.length - 1]);
    be.free(t);
    be.dispose();
  });

  it("checks write dtypes and ranges, partial writes at an offset, and i32 tensors", async () => {
    const be = await WasmBackend.create(1);
    const f = be.alloc([2, 3], "f32"),
      i = be.alloc([4], "i32");
    expect(f.size).toBe(6);
    be.fill({ t: f, value: 0 });
    be.write(f, new Float32Array([5, 6]), 4);
    expect(Array.from((await be.read(f)) as Float32Array)).toEqual([0, 0, 0, 0, 5, 6]);
    expect(() => be.write(f, new Int32Array(6))).toThrow(/Float32Array/);
    expect(() => be.write(f, new Float32Array(3), 4)).toThrow(RangeError);
    be.fill({ t: i, value: -7 });
    expect(Array.from((await be.read(i)) as Int32Array)).toEqual([-7, -7, -7, -7]);
    expect(() => be.fill({ t: i, value: 1.5 })).toThrow(/integer/);
    be.free(i);
    await expect(be.read(i)).rejects.toThrow(/read: argument "t".*freed/);
    expect(() => be.free(i)).toThrow(/free: argument "t"/);
    be.dispose();
    expect(() => be.alloc([1], "f32")).toThrow(/disposed/);
  });

  it("refuses tensors of another backend", async () => {
    const a = await WasmBackend.create(1),
      b = await WasmBackend.create(1);
    const ta = a.alloc([4], "f32");
    b.alloc([4], "f32");
    expect(() => b.fill({ t: ta, value: 1 })).toThrow(/belongs to another backend/);
    a.dispose();
    b.dispose();
  });

  it("frees memory for reuse: allocating and freeing in a loop does not grow", async () => {
    const be = await WasmBackend.create(1);
    const t0 = be.alloc([1 << 20], "f32");
    be.free(t0);
    const cap = be.memoryCapacity;
    for (let r = 0; r < 20; r++) be.free(be.alloc([1 << 20], "f32"));
    expect(be.memoryCapacity).toBe(cap);
    be.dispose();
  });
});
