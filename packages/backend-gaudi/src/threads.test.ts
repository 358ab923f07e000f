/**
 * Resizing the process pool (setThreads) between parallel ops, in a child process: new
 * workers must wait for the next job (a resize once left them running the last one's
 * stale chunk, a SIGSEGV), and results stay bit-identical across thread counts.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ADDON_PATH } from "./native.js";
import { addon, describeNative } from "./test-util.js";

const child = fileURLToPath(new URL("./threads-child.mjs", import.meta.url));

describeNative("setThreads between parallel ops", () => {
  it("resizing down and up keeps the process alive and the results bit-identical", () => {
    addon();
    const r = spawnSync(process.execPath, [child, ADDON_PATH], { encoding: "utf8", timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { resizes: number; sameAsFirst: number; route: string };
    expect(report.resizes).toBe(5);
    expect(report.sameAsFirst).toBe(5);
    expect(report.route).toBe(addon().gemmLibrary(512, 256, 512, false, true, true));
  });
});
