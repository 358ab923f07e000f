/**
 * Argument validation under mpirun (np 2; MPI_Init happens only there): validation-child.mjs
 * passes bad counts, buffers, element types and roots to MpiCommunicator and to the raw
 * addon. Each must throw an Error (the addon: TypeError or RangeError) whose message names
 * the argument, and the ranks must go on to run real collectives and close cleanly.
 */
import { expect, it } from "vitest";
import { describeMpi, jobOutput, runMpi } from "./test-util.js";

interface Case {
  name: string;
  layer: "ts" | "native";
  threw: boolean;
  isError?: boolean;
  errorName?: string;
  message?: string;
  want: { argument: string; text: string };
}

describeMpi("argument validation under mpirun", () => {
  it("np 2: every bad argument throws naming it, and the process survives", async () => {
    const r = await runMpi(2, "validation-child.mjs", [], 60_000);
    expect(r.status, jobOutput(r)).toBe(0);
    expect(Object.keys(r.results).sort(), jobOutput(r)).toEqual(["0", "1"]);
    for (const res of Object.values(r.results) as {
      rank: number;
      cases: Case[];
      survived: boolean;
      afterClose: { threw: boolean; message?: string }[];
    }[]) {
      expect(res.cases.length).toBeGreaterThan(40);
      for (const c of res.cases) {
        const label = `rank ${res.rank} ${c.layer}: ${c.name}: ${c.errorName}: ${c.message}`;
        expect(c.threw, label).toBe(true);
        expect(c.isError, label).toBe(true);
        expect(c.message, label).toContain(c.want.argument);
        expect(c.message, label).toContain(c.want.text);
        if (c.layer === "native" && c.name !== "a second collective while one is in flight")
          expect(["TypeError", "RangeError"], label).toContain(c.errorName);
        if (c.layer === "ts") expect(c.errorName, label).toBe("CommArgumentError");
      }
      expect(res.survived).toBe(true);
      expect(res.afterClose.map((a) => a.threw)).toEqual([true, true]);
      expect(res.afterClose[0]!.message).toContain("closed");
      expect(res.afterClose[1]!.message).toContain("finalized");
    }
    const rank0 = (r.results[0] as { cases: Case[] }).cases;
    expect(
      rank0.some((c) => c.name === "a second collective while one is in flight" && c.message?.includes("in flight")),
    ).toBe(true);
  });
});
