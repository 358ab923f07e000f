/**
 * Tests of the FLOP count and the timing summary: 2 M N K per GEMM, three GEMMs per layer
 * but two for the first, the Medium configuration's total, and median/quartiles.
 */
import { describe, expect, it } from "vitest";
import { BENCH_CONFIGS } from "./configs.js";
import { layerGemms, stepFlops } from "./flops.js";
import { summarize } from "./stats.js";

describe("stepFlops", () => {
  it("counts forward + both backward GEMMs per layer, without the first layer's input gradient", () => {
    const tiny = BENCH_CONFIGS.tiny!.train;
    const shapes = layerGemms(tiny);
    expect(shapes.map((g) => `${g.name} ${g.m}x${g.n}x${g.k}`)).toEqual([
      "bot_l.0 32x16x13",
      "bot_l.2 32x8x16",
      "top_l.0 32x16x11",
      "top_l.2 32x1x16",
    ]);
    const f = (m: number, n: number, k: number) => 2 * m * n * k;
    expect(stepFlops(tiny)).toBe(2 * f(32, 16, 13) + 3 * f(32, 8, 16) + 3 * f(32, 16, 11) + 3 * f(32, 1, 16));
  });

  it("Medium is dominated by its 4096-wide top MLP (about 0.32 TFLOP per step)", () => {
    const medium = BENCH_CONFIGS.medium!.train;
    const top4096 = 3 * 2 * 512 * 4096 * 4096;
    expect(stepFlops(medium)).toBeGreaterThan(6 * top4096);
    expect(stepFlops(medium) / 1e12).toBeCloseTo(0.316, 3);
  });

  it("DLRMv2 counts each cross layer's V (B x K x N) and W (B x N x K) GEMMs between the MLPs", () => {
    const v2 = BENCH_CONFIGS.dlrmv2!.train;
    const shapes = layerGemms(v2).map((g) => `${g.name} ${g.m}x${g.n}x${g.k}`);
    expect(shapes.slice(3, 5)).toEqual([
      "inter_arch.crossnet.V_kernels.0 256x512x3456",
      "inter_arch.crossnet.W_kernels.0 256x3456x512",
    ]);
    expect(shapes.filter((s) => s.startsWith("inter_arch"))).toHaveLength(6);
    expect(shapes[9]).toBe("top_l.0 256x1024x3456");
    const f = (m: number, n: number, k: number) => 2 * m * n * k;
    const cross = 3 * 2 * 3 * f(256, 512, 3456);
    const bottom = 2 * f(256, 512, 13) + 3 * f(256, 256, 512) + 3 * f(256, 128, 256);
    const top = 3 * (f(256, 1024, 3456) + f(256, 1024, 1024) + f(256, 512, 1024) + f(256, 256, 512) + f(256, 1, 256));
    expect(stepFlops(v2)).toBe(bottom + cross + top);
  });
});

describe("summarize", () => {
  it("gives the median, quartiles and extremes", () => {
    const t = summarize([5, 1, 3, 2, 4]);
    expect(t).toEqual({ medianMs: 3, minMs: 1, p25Ms: 2, p75Ms: 4, maxMs: 5, samples: 5 });
    expect(summarize([1, 2]).medianMs).toBe(1.5);
    expect(Number.isNaN(summarize([]).medianMs)).toBe(true);
  });
});
