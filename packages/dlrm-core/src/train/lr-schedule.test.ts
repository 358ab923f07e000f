/** Tests of dlrm's LR policy: warmup, hold, power-2 decay with a floor, and the order check. */
import { describe, expect, it } from "vitest";
import { LrScheduler } from "./lr-schedule.js";

const run = (s: ConstructorParameters<typeof LrScheduler>[0], n: number): number[] => {
  const sch = new LrScheduler(s);
  return Array.from({ length: n }, () => sch.next());
};

describe("LrScheduler", () => {
  it("is constant without warmup or decay", () => {
    expect(run({ baseLr: 0.1, numWarmupSteps: 0, decayStartStep: 0, numDecaySteps: 0 }, 3)).toEqual([0.1, 0.1, 0.1]);
  });
  it("warms up linearly: step s uses base * s / W", () => {
    const lrs = run({ baseLr: 1, numWarmupSteps: 4, decayStartStep: 0, numDecaySteps: 0 }, 6);
    expect(lrs.slice(0, 3)).toEqual([0.25, 0.5, 0.75]);
    expect(lrs.slice(3)).toEqual([1, 1, 1]);
  });
  it("decays with power 2 from the start step, floored at 1e-7, then holds", () => {
    const lrs = run({ baseLr: 1, numWarmupSteps: 0, decayStartStep: 2, numDecaySteps: 4 }, 8);
    expect(lrs[1]).toBe(1);
    expect(lrs[2]).toBeCloseTo(0.5625, 12);
    expect(lrs[4]).toBeCloseTo(0.0625, 12);
    expect(lrs[5]).toBeCloseTo(0.0625, 12);
    expect(lrs[7]).toBeCloseTo(0.0625, 12);
  });
  it("refuses a decay that starts before warmup ends", () => {
    expect(() => new LrScheduler({ baseLr: 1, numWarmupSteps: 5, decayStartStep: 2, numDecaySteps: 3 })).toThrow(
      /--lr-decay-start-step/,
    );
  });
});
