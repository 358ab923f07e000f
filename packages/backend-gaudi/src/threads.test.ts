/**
 * Resizing the process pool (setThreads) between parallel ops, in a child process, on the
 * route this CPU picks by default: new workers must wait for the next job (a resize once
 * left them running the last one's stale chunk, a SIGSEGV), and results stay bit-identical
 * across thread counts, the element-wise kernels and the bf16 GEMM alike, whichever
 * library runs it (OpenBLAS where the CPU lacks bf16 dot products, e.g. Zen 3; oneDNN's
 * bf16 matmul where it has them). routes.test.ts runs the same child on every route.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { ADDON_PATH } from "./native.js";
import { addon, describeNative } from "./test-util.js";

const child = fileURLToPath(new URL("./threads-child.mjs", import.meta.url));

interface Report {
  resizes: number;
  reluSameAsFirst: number;
  gemmSameAsFirst: number;
  route: string;
}

describeNative("setThreads between parallel ops", () => {
  let report: Report;
  beforeAll(() => {
    addon();
    const r = spawnSync(process.execPath, [child, ADDON_PATH], { encoding: "utf8", timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    report = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Report;
  });

  it("resizing down and up keeps the process alive and element-wise results bit-identical", () => {
    expect(report.resizes).toBe(5);
    expect(report.reluSameAsFirst).toBe(5);
    expect(report.route).toBe(addon().gemmLibrary(512, 256, 512, false, true, true));
  });

  const route = addon().gemmLibrary(512, 256, 512, false, true, true);
  it(`the bf16 GEMM 512x256x512 on the ${route} route is bit-identical across thread counts`, () => {
    expect(report.gemmSameAsFirst).toBe(5);
  });
});
