/**
 * Unit tests of dlrm's trace-based synthetic indices: the distribution file's parsing and
 * its errors, the stack-distance draw (scaled while new rows remain, padded after), and
 * bags replayed from the LRU stack, worked by hand from dlrm_data_pytorch.py's algorithm.
 */
import { describe, expect, it } from "vitest";
import { parseTraceDistribution, stackDistance, traceBag } from "./trace-distribution.js";

const FILE = "5, 7, 9\n0, 1, 2\n0.5, 0.75, 1.0\n";
const d = parseTraceDistribution(FILE, "dist_emb_0.log");
/** A uniform source that hands out `us` in order. */
const draws = (us: number[]): (() => number) => {
  let i = 0;
  return () => {
    if (i >= us.length) throw new Error("more draws than expected");
    return us[i++]!;
  };
};

describe("trace distribution", () => {
  it("parses dlrm's three comma-separated lines", () => {
    expect(d).toEqual({ lineAccesses: [5, 7, 9], listSd: [0, 1, 2], cummSd: [0.5, 0.75, 1] });
  });

  it("refuses a bad file naming it, the line and the item", () => {
    expect(() => parseTraceDistribution("5, 7\n0, 1\n", "f.log")).toThrow(
      "f.log: line 3 (cumulative distribution) is missing",
    );
    expect(() => parseTraceDistribution("5, x\n0\n1\n", "f.log")).toThrow(
      'f.log: line 1 (unique accesses), item 2: "x" is not valid',
    );
    expect(() => parseTraceDistribution("5, 7\n0, 1\n1\n", "f.log")).toThrow(
      "f.log: 2 stack distances but 1 cumulative probabilities",
    );
    expect(() => parseTraceDistribution("5\n0, 3\n0.5, 1\n", "f.log")).toThrow(
      "f.log: stack distance 3 is past the 1 unique accesses",
    );
  });

  it("draws stack distances scaled to the rows seen so far, padded once all are", () => {
    expect(stackDistance(d, 0, false, 0.9)).toBe(0); // u scaled by P(sd <= 0) = 0.5: 0.45
    expect(stackDistance(d, 1, false, 0.9)).toBe(1); // by P(sd <= 1) = 0.75: 0.675
    expect(stackDistance(d, 2, false, 0.1)).toBe(0); // unscaled
    expect(stackDistance(d, 2, true, 0.1)).toBe(1); // padded: 0.5 + 0.5 * 0.1 = 0.55
    expect(stackDistance(d, 2, true, 0.6)).toBe(2); // 0.8
  });

  it("replays a bag from the LRU stack and keeps its distinct rows, sorted", () => {
    // sd 0 -> 5 (stack 7 9 5), sd 1 -> 5, sd 0 -> 7 (stack 9 5 7), sd 1 -> 7.
    expect(traceBag(d, 4, false, 100, draws([0.9, 0.9, 0.3, 0.6]))).toEqual([5, 7]);
    // Without padding the third draw is a new row (9); with it, sd 1 (7) instead.
    expect(traceBag(d, 3, false, 100, draws([0.1, 0.1, 0.1]))).toEqual([5, 7, 9]);
    expect(traceBag(d, 3, true, 100, draws([0.1, 0.1, 0.1]))).toEqual([5, 7]);
  });

  it("takes rows past the table modulo its rows, after the distinct sort (as dlrm)", () => {
    expect(traceBag(d, 3, false, 6, draws([0.1, 0.1, 0.1]))).toEqual([5, 1, 3]);
  });
});
