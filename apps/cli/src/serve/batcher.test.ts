/**
 * The dynamic batcher with a scoring function that records its batches: rows are grouped
 * into batches of exactly --max-batch across requests (a request may span two), the rest is
 * scored once the latency bound passes, every request gets its own rows' scores in order,
 * and a failed batch rejects only the requests with rows in it.
 */
import { describe, expect, it } from "vitest";
import type { CriteoRow } from "@dlrm/core";
import { DynamicBatcher } from "./batcher.js";

/** Row k: its label carries k, so a score can name its row. */
const row = (k: number): CriteoRow => ({ label: k, dense: [], sparse: [] });
const rows = (from: number, n: number): CriteoRow[] => Array.from({ length: n }, (_, i) => row(from + i));

describe("DynamicBatcher", () => {
  it("groups rows of several requests into batches of --max-batch, the rest after --max-latency-ms", async () => {
    const sizes: number[] = [];
    const b = new DynamicBatcher(
      (r) => {
        sizes.push(r.length);
        return Promise.resolve(Float32Array.from(r, (x) => x.label));
      },
      4,
      30,
    );
    const t0 = performance.now();
    const answers = await Promise.all([b.submit(rows(0, 3)), b.submit(rows(3, 3)), b.submit(rows(6, 1))]);
    expect(sizes).toEqual([4, 3]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(answers.map((a) => Array.from(a))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(b.batches).toBe(2);
  });

  it("rejects the requests of a failed batch only, and drain() waits for the answers", async () => {
    let calls = 0;
    const b = new DynamicBatcher(
      (r) => (++calls === 1 ? Promise.reject(new Error("backend lost")) : Promise.resolve(new Float32Array(r.length))),
      2,
      1000,
    );
    const first = b.submit(rows(0, 2));
    const second = b.submit(rows(2, 1));
    const settled = Promise.allSettled([first, second]);
    await b.drain();
    const [a, c] = await settled;
    expect(a.status === "rejected" && (a.reason as Error).message).toBe("backend lost");
    expect(c.status === "fulfilled" && Array.from(c.value)).toEqual([0]);
  });
});
