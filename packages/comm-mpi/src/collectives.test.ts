/**
 * Real mpirun jobs of collectives-child.mjs at 2 and 3 ranks (3 oversubscribes a 2-core
 * machine): allToAllV with unequal and zero counts per element type, allGatherV, broadcast
 * from a non-zero root, barrier, and allReduceSum with the same bits on every rank, equal to
 * the rank-order float32 sum, run to run.
 */
import { expect, it } from "vitest";
import { describeMpi, jobOutput, runMpi } from "./test-util.js";

interface RankResult {
  rank: number;
  worldSize: number;
  version: string;
  threadLevel: string;
  name: string;
  checks: Record<string, unknown>;
  reduceBits: string[];
}

describeMpi("collectives under mpirun", () => {
  for (const np of [2, 3]) {
    it(`np ${np}: every collective moves the right elements; allReduceSum has the same bits on every rank`, async () => {
      const r = await runMpi(np, "collectives-child.mjs", [], 60_000);
      expect(r.status, jobOutput(r)).toBe(0);
      const ranks = Object.values(r.results) as RankResult[];
      expect(ranks.map((x) => x.rank).sort(), jobOutput(r)).toEqual(Array.from({ length: np }, (_, i) => i));
      for (const x of ranks) {
        expect(x.worldSize).toBe(np);
        expect(x.name).toBe("mpi");
        expect(x.version).toMatch(/^Open MPI v\d/);
        expect(["serialized", "multiple"]).toContain(x.threadLevel);
        const failed = Object.entries(x.checks).filter(([, v]) => v !== true);
        expect(failed, `rank ${x.rank}: ${JSON.stringify(failed)}`).toEqual([]);
        expect(Object.keys(x.checks).length).toBeGreaterThanOrEqual(19);
      }
      const bits = new Set(ranks.flatMap((x) => x.reduceBits));
      expect(bits.size, "allReduceSum's result bits differ between ranks or runs").toBe(1);
    });
  }
});
