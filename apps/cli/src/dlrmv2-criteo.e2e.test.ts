/**
 * A scaled-down MLPerf DLRMv2 (`--preset mlperf-dlrmv2 --max-ind-range 100000`) trains on
 * the real Criteo rows in one process and at two ranks: each run's test AUC after one pass
 * is within 0.02 of PyTorch's on the same rows, as recorded by scripts/dlrmv2-criteo-auc.mjs
 * in bench-results/dlrmv2-criteo-auc.json (the commands run here are the ones it records).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { dlrm, mpiUnavailable } from "./distributed/e2e-util.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const result = JSON.parse(readFileSync(join(ROOT, "bench-results", "dlrmv2-criteo-auc.json"), "utf8")) as {
  tolerance: number;
  torch: { auc: number };
  runs: { worldSize: number; command: string }[];
};
const dir = mkdtempSync(join(tmpdir(), "dlrm-v2-auc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mpiReason = mpiUnavailable();
const needMpi = process.env.DLRM_REQUIRE_MPI === "1";

describe("scaled-down DLRMv2 on the real Criteo rows against PyTorch's test AUC", () => {
  it("the recorded PyTorch AUC is a trained model's, not chance", () => {
    expect(result.torch.auc).toBeGreaterThan(0.7);
    expect(result.runs.map((r) => r.worldSize)).toEqual([1, 2]);
  });
  for (const run of result.runs) {
    const runnable = run.worldSize === 1 || mpiReason === undefined || needMpi;
    const title = runnable
      ? `N=${run.worldSize}: test AUC within ${result.tolerance} of PyTorch's`
      : `N=${run.worldSize}: not run, ${mpiReason}`;
    it(
      title,
      () => {
        if (!runnable) {
          expect(mpiReason).toBeDefined();
          return;
        }
        const argv = run.command
          .replace(/^dlrm /, "")
          .split(" ")
          .map((a) => a.replace("<tmp>", dir));
        const r = dlrm(ROOT, argv, { OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" }, 240_000);
        expect(r.status, r.stdout + r.stderr).toBe(0);
        const tests = [...r.stdout.matchAll(/Testing at step \d+ on test \(714 samples.*?auc ([\d.]+)/g)];
        expect(tests.length).toBeGreaterThan(0);
        const auc = Number(tests[tests.length - 1]![1]);
        expect(Math.abs(auc - result.torch.auc)).toBeLessThanOrEqual(result.tolerance);
      },
      300_000,
    );
  }
});
