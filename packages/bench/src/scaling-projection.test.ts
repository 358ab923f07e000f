/**
 * Tests of the step-time projection's pure functions against hand counts: DLRMv2's GEMM
 * FLOPs per sample, the collectives and latency of a plan, the busiest rank, and one step
 * at N = 64 and 25 GB/s worked out by hand.
 */
import { describe, expect, it } from "vitest";
import type { ModelConfig } from "@dlrm/core";
import {
  busiestRank,
  collectivesPerStep,
  flopsPerSample,
  latencySeconds,
  planShape,
  projectStep,
  type RankBytes,
} from "./scaling-projection.js";

const DLRMV2: ModelConfig = {
  embeddingDim: 128,
  tableRows: new Array<number>(26).fill(1000),
  bottomMlp: [13, 512, 256, 128],
  topMlp: [1024, 1024, 512, 256, 1],
  interaction: "cat",
  interactionItself: false,
};

const rank = (r: number, a2a: number, ar: number): RankBytes => ({
  rank: r,
  memoryBytes: 1,
  parameterBytes: 1,
  optimizerBytes: 1,
  allToAllBytes: a2a,
  allReduceBytes: ar,
});

describe("scaling projection", () => {
  it("counts DLRMv2's GEMM FLOPs per sample (cat: top input 128 + 26 x 128 = 3456)", () => {
    // first layer: forward + weight gradient; every other layer also its input gradient.
    const first = 2 * 2 * 512 * 13;
    const rest = 3 * 2 * (256 * 512 + 128 * 256 + 1024 * 3456 + 1024 * 1024 + 512 * 1024 + 256 * 512 + 1 * 256);
    expect(flopsPerSample(DLRMV2)).toBe(first + rest);
    expect(first + rest).toBe(32468480);
  });

  it("counts 4 collectives plus one per replicated table, and alpha x log2 N each", () => {
    const placements = [
      { table: 0, kind: "row", ranks: [0, 1], rows: 10 },
      { table: 1, kind: "replicated", ranks: [0, 1], rows: 3 },
      { table: 2, kind: "replicated", ranks: [0, 1], rows: 4 },
    ];
    expect(collectivesPerStep({ placements })).toBe(8);
    expect(latencySeconds(64, 6, 10e-6)).toBeCloseTo(6 * 10e-6 * 6, 15);
    expect(latencySeconds(1, 6, 10e-6)).toBe(0);
    expect(planShape({ worldSize: 2, placements })).toEqual({
      worldSize: 2,
      kinds: { row: 1, replicated: 2 },
      largestTables: "row x 2",
      replicatedTables: 2,
    });
  });

  it("takes the rank sending the most bytes", () => {
    expect(busiestRank([rank(0, 5, 5), rank(1, 9, 2), rank(2, 1, 10)]).rank).toBe(1);
    expect(() => busiestRank([])).toThrow(RangeError);
  });

  it("projects one step at N = 64, 25 GB/s, 200 TFLOP/s, overlap 0.25 as counted by hand", () => {
    const p = projectStep({
      worldSize: 64,
      batchSize: 65536,
      flopsPerSample: 32468480,
      flopsPerSecond: 2e14,
      bytesPerStep: 144e6,
      bytesPerSecond: 25e9,
      collectives: 13,
      assumptions: { alphaSeconds: 10e-6, overlap: 0.25 },
    });
    // compute: 32468480 x 1024 / 2e14 = 166.2386176 us
    expect(p.computeSeconds).toBeCloseTo(166.2386176e-6, 12);
    // comm: 144e6 / 25e9 = 5.76 ms, + 13 x 10 us x log2 64 = 0.78 ms
    expect(p.latencySeconds).toBeCloseTo(0.78e-3, 12);
    expect(p.commSeconds).toBeCloseTo(6.54e-3, 12);
    // step: 0.1662386176 + 6.54 x 0.75 = 5.0712386176 ms
    expect(p.stepSeconds).toBeCloseTo(5.0712386176e-3, 12);
    expect(p.samplesPerSecond).toBeCloseTo(65536 / 5.0712386176e-3, 3);
  });

  it("refuses a non-positive rate or bandwidth and an overlap outside 0..1", () => {
    const base = {
      worldSize: 8,
      batchSize: 64,
      flopsPerSample: 1,
      flopsPerSecond: 1,
      bytesPerStep: 1,
      bytesPerSecond: 1,
      collectives: 1,
      assumptions: { alphaSeconds: 0, overlap: 0 },
    };
    expect(() => projectStep({ ...base, bytesPerSecond: 0 })).toThrow(/bandwidth/);
    expect(() => projectStep({ ...base, assumptions: { alphaSeconds: 0, overlap: 1.5 } })).toThrow(/overlap/);
  });
});
