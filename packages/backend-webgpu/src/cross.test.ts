/**
 * The DCNv2 cross layer's element-wise ops chained as a two-layer cross network would call
 * them (layer 0 with xl = x0 sharing one buffer, layer 1 with dXl, dX0 overwritten then
 * accumulated), against float64 on the host, outputs NaN-poisoned first; lazy mode records
 * the whole chain into one submission and gives the eager bits.
 */
import { afterEach, expect, it } from "vitest";
import type { ExecutionMode } from "@dlrm/core";
import { WebGpuBackend } from "./backend.js";
import { describeGpu } from "./testing/describe-gpu.js";

/** Elements per tensor: a batch of 5 rows of width 27 (not a multiple of 4 or of 256). */
const SIZE = 135;

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Largest |got - want| / max(|want|, 1); NaN in got counts as infinite. */
function maxError(got: Float32Array, want: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

const x0v = values(SIZE, 1);
const y0v = values(SIZE, 2);
const y1v = values(SIZE, 3);
const dOut1v = values(SIZE, 4);

/** The chain in float64: forward outputs and every gradient. */
function host() {
  const f = (fn: (i: number) => number) => Float64Array.from({ length: SIZE }, (_, i) => fn(i));
  const out0 = f((i) => x0v[i]! * y0v[i]! + x0v[i]!);
  const out1 = f((i) => x0v[i]! * y1v[i]! + out0[i]!);
  const dY1 = f((i) => dOut1v[i]! * x0v[i]!);
  const dY0 = dY1;
  const dX0 = f((i) => dOut1v[i]! * y1v[i]! + dOut1v[i]! * y0v[i]! + dOut1v[i]!);
  return { out0, out1, dY1, dY0, dOut0: f((i) => dOut1v[i]!), dX0 };
}

const backends: WebGpuBackend[] = [];

/**
 * Runs the chain on a fresh backend; returns every output and the submissions made by the
 * four ops (before any read) and by them plus the first read.
 */
async function run(mode: ExecutionMode) {
  const gpu = await WebGpuBackend.create(mode);
  backends.push(gpu);
  const t = () => gpu.alloc([5, 27], "f32");
  const [x0, y0, y1, out0, out1, dOut1, dOut0, dY1, dY0, dX0] = [t(), t(), t(), t(), t(), t(), t(), t(), t(), t()];
  const poison = new Float32Array(SIZE).fill(NaN);
  gpu.write(x0, x0v);
  gpu.write(y0, y0v);
  gpu.write(y1, y1v);
  gpu.write(dOut1, dOut1v);
  for (const o of [out0, out1, dOut0, dY1, dY0, dX0]) gpu.write(o, poison);
  await gpu.sync();
  const before = gpu.stats.submissions;
  gpu.crossForward({ x0, y: y0, xl: x0, out: out0, size: SIZE });
  gpu.crossForward({ x0, y: y1, xl: out0, out: out1, size: SIZE });
  gpu.crossBackward({ x0, y: y1, dOut: dOut1, dY: dY1, dX0: dX0, dXl: dOut0, size: SIZE, accumulate: false });
  gpu.crossBackward({ x0, y: y0, dOut: dOut0, dY: dY0, dX0: dX0, size: SIZE, accumulate: true });
  const beforeRead = gpu.stats.submissions - before;
  const first = (await gpu.read(out0)) as Float32Array;
  const throughFirstRead = gpu.stats.submissions - before;
  const got = {
    out0: first,
    out1: (await gpu.read(out1)) as Float32Array,
    dY1: (await gpu.read(dY1)) as Float32Array,
    dY0: (await gpu.read(dY0)) as Float32Array,
    dOut0: (await gpu.read(dOut0)) as Float32Array,
    dX0: (await gpu.read(dX0)) as Float32Array,
  };
  return { got, beforeRead, throughFirstRead };
}

await describeGpu("webgpu cross layer ops", () => {
  afterEach(() => {
    for (const b of backends.splice(0)) b.dispose();
  });

  it("a two-layer cross chain matches float64 (xl = x0 bound once, dXl, dX0 overwritten then accumulated)", async () => {
    const { got } = await run("eager");
    const want = host();
    for (const k of Object.keys(want) as (keyof typeof want)[]) {
      expect(maxError(got[k], want[k]), k).toBeLessThan(1e-6);
    }
  });

  it("lazy mode records the chain into one submission and gives the eager bits", async () => {
    const eager = await run("eager");
    const lazy = await run("lazy");
    expect(eager.beforeRead).toBe(4);
    expect(lazy.beforeRead).toBe(0);
    expect(lazy.throughFirstRead).toBe(1);
    for (const k of Object.keys(eager.got) as (keyof typeof eager.got)[]) {
      expect(Array.from(lazy.got[k]), k).toEqual(Array.from(eager.got[k]));
    }
  });
});
