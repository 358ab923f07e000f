/**
 * A rank that fails must end the whole job, promptly and non-zero, never leave its peer
 * waiting: fault-child.mjs at np 2, rank 0 in a barrier while rank 1 exits (3), throws,
 * SIGKILLs itself, or sleeps past rank 0's 2 s watchdog. Each mpirun is bounded (60 s).
 */
import { expect, it } from "vitest";
import { describeMpi, jobOutput, runMpi } from "./test-util.js";

describeMpi("faults end the job", () => {
  for (const mode of ["exit", "throw"]) {
    it(`rank 1 ${mode === "exit" ? "calls process.exit(3)" : "throws"} before the barrier: non-zero within 30 s`, async () => {
      const r = await runMpi(2, "fault-child.mjs", [mode]);
      expect(r.timedOut, jobOutput(r)).toBe(false);
      expect(r.ms, jobOutput(r)).toBeLessThan(30_000);
      expect(r.status, jobOutput(r)).not.toBe(0);
      if (mode === "exit") expect(r.status, jobOutput(r)).toBe(3);
      expect(r.results[1], jobOutput(r)).toEqual({ rank: 1, what: "started" });
      expect(r.results[0], "rank 0's barrier completed without rank 1").toBeUndefined();
    });
  }

  it("rank 1 SIGKILLs itself: non-zero within 30 s, and mpirun names rank 1", async () => {
    const r = await runMpi(2, "fault-child.mjs", ["kill"]);
    expect(r.timedOut, jobOutput(r)).toBe(false);
    expect(r.ms, jobOutput(r)).toBeLessThan(30_000);
    expect(r.status, jobOutput(r)).not.toBe(0);
    // Open MPI 4.1: "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed)."
    expect(r.stderr + r.stdout).toMatch(/process rank 1 .*signal 9/s);
    expect(r.results[0]).toBeUndefined();
  });

  it("watchdog: rank 1 sleeps 20 s in JS, rank 0's 2 s watchdog ends the job within 15 s", async () => {
    const r = await runMpi(2, "fault-child.mjs", ["watchdog"]);
    expect(r.timedOut, jobOutput(r)).toBe(false);
    expect(r.ms, jobOutput(r)).toBeLessThan(15_000);
    expect(r.status, jobOutput(r)).not.toBe(0);
    expect(r.stderr, jobOutput(r)).toContain(
      "rank 0: barrier did not complete in 2 s (a peer rank has stopped or is stuck); ending the job",
    );
    expect(r.stderr.match(/did not complete/g)?.length, "one watchdog line").toBe(1);
    expect(r.results[0]).toBeUndefined();
  });
});
