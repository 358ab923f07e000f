/**
 * Tests of the streaming metrics: exact AUC against an O(P N) pair count (with ties, with
 * and without spilling runs to disk), known small cases, log loss and accuracy by hand,
 * and the order-preserving float32 keys.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../util/rng.js";
import { BinaryMetrics } from "./binary-metrics.js";
import { keyScore, scoreKey } from "./score-key.js";

/** AUC by counting every positive/negative pair, scores compared as float32. */
function pairAuc(p: Float32Array, y: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < p.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < p.length; j++) {
      if (y[j] !== 0) continue;
      den++;
      num += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

function sample(n: number, levels: number, seed: number): { p: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const p = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = levels > 0 ? rng.int(levels) / (levels - 1) : rng.uniform();
    y[i] = rng.uniform() < 0.3 + 0.4 * p[i]! ? 1 : 0;
  }
  return { p, y };
}

describe("scoreKey", () => {
  it("orders keys as the float32 values and round-trips", () => {
    const xs = [-Infinity, -3.5, -1e-30, -0, 0, 1e-45, 1e-7, 0.5, 0.50000006, 1, 7, Infinity];
    const keys = xs.map(scoreKey);
    for (let i = 1; i < keys.length; i++) expect(keys[i]!).toBeGreaterThanOrEqual(keys[i - 1]!);
    expect(scoreKey(-0)).toBe(scoreKey(0));
    expect(scoreKey(0.5)).toBeLessThan(scoreKey(0.50000006));
    for (const x of xs) expect(keyScore(scoreKey(x))).toBe(Math.fround(x === 0 ? 0 : x));
    expect(() => scoreKey(Number.NaN)).toThrow(/NaN/);
  });
});

describe("BinaryMetrics", () => {
  it("is 1 for a perfect ranking, 0 for a reversed one, 0.5 for all ties", () => {
    const y = [0, 0, 1, 1];
    const m1 = new BinaryMetrics("bce");
    m1.add([0.1, 0.2, 0.8, 0.9], y);
    expect(m1.result().auc).toBe(1);
    const m2 = new BinaryMetrics("bce");
    m2.add([0.9, 0.8, 0.2, 0.1], y);
    expect(m2.result().auc).toBe(0);
    const m3 = new BinaryMetrics("bce");
    m3.add([0.4, 0.4, 0.4, 0.4], y);
    expect(m3.result().auc).toBe(0.5);
  });

  for (const [levels, name] of [
    [0, "continuous scores"],
    [7, "heavy ties"],
  ] as const) {
    it(`matches the pair count exactly with ${name}, in memory and spilled`, () => {
      const { p, y } = sample(1500, levels, levels + 1);
      const expected = pairAuc(p, y);
      const mem = new BinaryMetrics("bce");
      const spilled = new BinaryMetrics("bce", levels === 0 ? 16 : 4);
      for (let s = 0; s < p.length; s += 100) {
        mem.add(p.subarray(s, s + 100), y.subarray(s, s + 100));
        spilled.add(p.subarray(s, s + 100), y.subarray(s, s + 100));
      }
      expect(mem.spilledRuns).toBe(0);
      expect(spilled.spilledRuns).toBeGreaterThan(levels === 0 ? 10 : 1);
      expect(mem.result().auc).toBeCloseTo(expected, 12);
      expect(spilled.result().auc).toBeCloseTo(expected, 12);
      spilled.dispose();
    });
  }

  it("treats scores equal after rounding to float32 as ties", () => {
    const m = new BinaryMetrics("bce");
    m.add([0.3, 0.3 + 1e-12], [1, 0]);
    expect(m.result().auc).toBe(0.5);
  });

  it("computes log loss, accuracy and bce/mse losses by hand", () => {
    const m = new BinaryMetrics("bce");
    m.add([0.9, 0.2, 0.5, 0], [1, 0, 1, 1], 4);
    const r = m.result();
    expect(r.accuracy).toBe(0.5);
    const ll = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.5) + Math.log(1e-15)) / 4;
    expect(r.logLoss).toBeCloseTo(ll, 10);
    expect(r.loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.5) - 100) / 4, 10);
    const mse = new BinaryMetrics("mse");
    mse.add([0.9, 0.2], [1, 0]);
    expect(mse.result().loss).toBeCloseTo((0.01 + 0.04) / 2, 12);
  });

  it("scores only the first count samples and rejects bad values", () => {
    const m = new BinaryMetrics("bce");
    m.add([0.9, 0.1, 7], [1, 0, 5], 2);
    expect(m.result().samples).toBe(2);
    expect(() => m.add([Number.NaN], [1])).toThrow(/probability of sample 2 is NaN/);
    expect(() => m.add([0.5], [0.5])).toThrow(/target of sample 2 is 0.5/);
  });

  it("gives NaN AUC without both classes", () => {
    const m = new BinaryMetrics("bce");
    m.add([0.2, 0.7], [1, 1]);
    expect(m.result().auc).toBeNaN();
  });
});
