/**
 * Helpers shared by this package's tests: `describeMpi` (skips with the reason when mpirun,
 * the addon or the built dist/ is missing, unless DLRM_REQUIRE_MPI=1, as in CI, where the
 * same test fails with the reason: the rule of @dlrm/conformance's describeBackend) and
 * `runMpi`, which runs a child script under mpirun with a time limit and collects its ranks'
 * JSON result files.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";
import { findMpirun, MPIRUN_ROOT_ENV, mpirunArgs, runningAsRoot } from "./mpirun.js";
import { loadNative } from "./native.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The compiled package entry the mpirun children import (they are plain node, not vitest). */
export const DIST_INDEX = join(here, "..", "dist", "index.js");

/** Why MPI jobs cannot run here, or undefined when they can. */
export function mpiUnavailableReason(): string | undefined {
  if (findMpirun() === undefined)
    return "mpirun is not on PATH: run bash scripts/install-native-deps.sh (openmpi-bin libopenmpi-dev)";
  const { reason } = loadNative();
  if (reason !== undefined) return reason;
  if (!existsSync(DIST_INDEX)) return `${DIST_INDEX} is missing: run npm run build -w @dlrm/comm-mpi`;
  return undefined;
}

/** True when DLRM_REQUIRE_MPI=1 (CI): missing MPI fails the tests instead of skipping them. */
export function mpiRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env["DLRM_REQUIRE_MPI"] === "1";
}

/**
 * `describe(title, body)` when MPI jobs can run; otherwise the block is skipped with the
 * reason logged, or, under DLRM_REQUIRE_MPI=1, replaced by one test that fails with it.
 */
export function describeMpi(title: string, body: () => void): void {
  const reason = mpiUnavailableReason();
  if (reason === undefined) {
    describe(title, body);
    return;
  }
  if (!mpiRequired()) {
    console.log(`@dlrm/comm-mpi: skipping "${title}": ${reason}`);
    describe.skipIf(true)(`${title} (skipped: ${reason})`, body);
    return;
  }
  describe(title, () => {
    it("Open MPI must be usable here (DLRM_REQUIRE_MPI=1)", () => {
      throw new Error(`DLRM_REQUIRE_MPI=1 but MPI jobs cannot run here: ${reason}`);
    });
  });
}

export interface MpiRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole mpirun job. */
  ms: number;
  /** True when the time limit ended it (the job hung). */
  timedOut: boolean;
  /** Each rank's result file (rank-R.json in the job's out dir), by rank. */
  results: Record<number, unknown>;
}

/**
 * Runs `mpirun <mpirunArgs> node <script> <DIST_INDEX> <outDir> ...args` and waits at most
 * `timeoutMs` (then SIGTERM, which mpirun forwards to its ranks, and SIGKILL 5 s later).
 */
export function runMpi(np: number, script: string, args: string[], timeoutMs = 60_000): Promise<MpiRun> {
  const mpirun = findMpirun();
  if (mpirun === undefined) throw new Error("mpirun is not on PATH");
  const asRoot = runningAsRoot();
  const outDir = mkdtempSync(join(tmpdir(), "dlrm-comm-mpi-"));
  const argv = [
    ...mpirunArgs({ np, asRoot, oversubscribe: false }),
    process.execPath,
    join(here, script),
    DIST_INDEX,
    outDir,
    ...args,
  ];
  const env = { ...process.env, ...(asRoot ? MPIRUN_ROOT_ENV : {}) };
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(mpirun, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const term = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(term);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(term);
      const results: Record<number, unknown> = {};
      for (const f of readdirSync(outDir)) {
        const m = /^rank-(\d+)\.json$/.exec(f);
        if (m) results[Number(m[1])] = JSON.parse(readFileSync(join(outDir, f), "utf8"));
      }
      rmSync(outDir, { recursive: true, force: true });
      resolve({ status, signal, stdout, stderr, ms: Date.now() - start, timedOut, results });
    });
  });
}

/** The job's output for an assertion message. */
export function jobOutput(r: MpiRun): string {
  return `mpirun exit ${r.status ?? r.signal} after ${r.ms} ms${r.timedOut ? " (timed out)" : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
