/**
 * `dlrm bench --world-size 1,2 --sharding row` end to end: the built CLI runs the tiny
 * configuration on wasm at N = 1 (one process) and N = 2 (through mpirun: as root with Open
 * MPI's root permission, oversubscribed where the machine has fewer cores than ranks), within a
 * time limit, and its --json has both world sizes with finite positive ms/step; at N = 2
 * non-zero bytes and running time of both collectives, overlap fractions in [0, 1] and both
 * tables row-wise; at N = 1 no bytes, no overlap and every table whole; --html draws both charts. Without mpirun, the Open MPI addon or the built CLI the test is skipped with the
 * reason, unless DLRM_REQUIRE_MPI=1 (CI), where it fails with it. No timing is asserted.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DIST_STEP_SCRIPT } from "./dist-run.js";
import type { BenchReport, DistStepRow } from "./types.js";

const CLI = fileURLToPath(new URL("../../../apps/cli/bin/dlrm.js", import.meta.url));
const CLI_BUILT = fileURLToPath(new URL("../../../apps/cli/dist/main.js", import.meta.url));
const LIMIT_MS = 120_000;

/** Why the job cannot run here (undefined when it can). */
async function unavailable(): Promise<string | undefined> {
  const name: string = "@dlrm/comm-mpi";
  let mod: { findMpirun(): string | undefined; mpiAvailable(): { ok: boolean; reason?: string } };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    return `@dlrm/comm-mpi does not load (${e instanceof Error ? e.message : String(e)}): npm run build -w @dlrm/comm-mpi`;
  }
  if (mod.findMpirun() === undefined)
    return "mpirun is not on PATH: run bash scripts/install-native-deps.sh (openmpi-bin libopenmpi-dev)";
  const a = mod.mpiAvailable();
  if (!a.ok) return a.reason ?? "the Open MPI addon does not load";
  if (!existsSync(DIST_STEP_SCRIPT)) return `${DIST_STEP_SCRIPT} is missing: npm run build -w @dlrm/bench`;
  if (!existsSync(CLI_BUILT)) return `${CLI_BUILT} is missing: npx turbo run build --filter=@dlrm/cli`;
  return undefined;
}

const reason = await unavailable();
const required = process.env["DLRM_REQUIRE_MPI"] === "1";
if (reason !== undefined && !required) console.log(`@dlrm/bench: skipping the --world-size smoke test: ${reason}`);

let dir = "";
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("dlrm bench --world-size 1,2 (mpirun)", () => {
  if (reason !== undefined && required) {
    it("Open MPI must be usable here (DLRM_REQUIRE_MPI=1)", () => {
      throw new Error(`DLRM_REQUIRE_MPI=1 but the --world-size smoke test cannot run here: ${reason}`);
    });
    return;
  }
  it.skipIf(reason !== undefined)(
    `tiny on wasm at N=1 and N=2 writes both world sizes${reason === undefined ? "" : ` (skipped: ${reason})`}`,
    () => {
      dir = mkdtempSync(join(tmpdir(), "dlrm-bench-dist-"));
      const json = join(dir, "dist.json");
      const args = [
        "bench",
        "--config",
        "tiny",
        "--world-size",
        "1,2",
        "--sharding",
        "row",
        "--backends",
        "wasm",
        "--iterations",
        "2",
        "--warmup",
        "1",
        "--torch",
        "none",
        "--job-timeout",
        "90",
        "--json",
        json,
        "--html",
        join(dir, "dist.html"),
      ];
      const r = spawnSync(process.execPath, [CLI, ...args], {
        cwd: dir,
        encoding: "utf8",
        timeout: LIMIT_MS,
        killSignal: "SIGKILL",
        env: { ...process.env, DLRM_DEBUG: "" },
      });
      const said = `exit ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.error, said).toBeUndefined();
      expect(r.status, said).toBe(0);
      expect(r.stdout).toMatch(/^dlrm bench --world-size 1,2: config tiny/m);
      expect(r.stdout).toContain("PyTorch not measured: --torch none");
      const report = JSON.parse(readFileSync(json, "utf8")) as BenchReport;
      expect(report.kind).toBe("dlrm-bench");
      const d = report.distributed!;
      expect(d.worldSizes).toEqual([1, 2]);
      expect(d.failures).toEqual([]);
      expect(d.rows.map((s) => [s.backend, s.mode, s.worldSize])).toEqual([
        ["wasm", "eager", 1],
        ["wasm", "eager", 2],
      ]);
      for (const s of d.rows) {
        for (const v of [s.timing.medianMs, s.timing.minMs, s.timing.maxMs]) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThan(0);
        }
        expect(s.timing.samples).toBe(2);
        expect(s.vsTorch).toBeNull();
      }
      const [one, two] = d.rows as [DistStepRow, DistStepRow];
      expect(one.allToAllBytes).toBe(0);
      expect(one.allReduceBytes).toBe(0);
      expect(one.overlapMedian).toBeNull();
      expect(one.overlapOverall).toBeNull();
      expect(one.shardKinds).toEqual({ table: 2 });
      expect(two.allToAllBytes).toBeGreaterThan(0);
      expect(two.allReduceBytes).toBeGreaterThan(0);
      expect(two.allToAllBusyMs).toBeGreaterThan(0);
      expect(two.allReduceBusyMs).toBeGreaterThan(0);
      for (const o of [two.overlapMedian, two.overlapOverall, two.allToAllOverlap, two.allReduceOverlap]) {
        expect(typeof o).toBe("number");
        expect(o).toBeGreaterThanOrEqual(0);
        expect(o).toBeLessThanOrEqual(1);
      }
      expect(d.sharding).toBe("row");
      expect(two.sharding).toBe("row");
      expect(two.shardKinds).toEqual({ row: 2 });
      expect(r.stdout).toMatch(/^sharding: ours --sharding row/m);
      const html = readFileSync(join(dir, "dist.html"), "utf8");
      expect(html).toContain('data-chart="dist-ms-per-step"');
      expect(html).toContain('data-chart="dist-collectives"');
      expect(d.torch.map((t) => t.status)).toEqual(["not-measured", "not-measured"]);
    },
    LIMIT_MS + 30_000,
  );
});
