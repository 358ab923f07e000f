/**
 * One thread pool for the process: OpenBLAS and oneDNN run single-threaded inside the
 * GEMM tiles on OpenMP's pool, beside the native kernels, so running each of them adds
 * only that pool's workers (threads - 1) to the process, counted in a child process.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ADDON_PATH } from "./native.js";
import { addon, describeNative } from "./test-util.js";

const child = fileURLToPath(new URL("./pool-child.mjs", import.meta.url));

describeNative("one thread pool", () => {
  it("OpenBLAS, oneDNN and the kernels add only the OpenMP pool's workers", () => {
    addon();
    const r = spawnSync(process.execPath, [child, ADDON_PATH], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as {
      added: number;
      threads: number;
      blasThreading: string;
      routes: string[];
    };
    // The child's second GEMM is an OpenBLAS-routed shape, unless DLRM_GEMM_LIBRARY forces oneDNN for every GEMM.
    expect(report.routes[1]).toBe(process.env.DLRM_GEMM_LIBRARY === "onednn" ? "onednn-matmul" : "openblas");
    // OpenBLAS stays at 1 thread (even the pthreads build, which would otherwise start its own threads - 1).
    expect(report.added).toBe(report.threads - 1);
    if (process.env.CI)
      expect(report.blasThreading, "CI installs libopenblas-openmp-dev (scripts/install-native-deps.sh)").toBe(
        "openmp",
      );
  });
});
