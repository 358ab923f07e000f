/**
 * Async lazy steps keep their buffers alive: lazy-gc-child.mjs runs under
 * `node --expose-gc`, frees tensors and drops the engine while a step runs, calls gc()
 * throughout, and checks the result equals eager bit for bit.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ADDON_PATH } from "./native.js";
import { addon, describeNative } from "./test-util.js";

const child = fileURLToPath(new URL("./lazy-gc-child.mjs", import.meta.url));

describeNative("lazy steps under gc()", () => {
  it("buffers and the engine stay alive while a step runs; results equal eager", () => {
    addon();
    const r = spawnSync(process.execPath, ["--expose-gc", child, ADDON_PATH], { encoding: "utf8", timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const checks = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
    expect(checks).toMatchObject({ busyAfterMarkStep: true, bitIdentical: true, orphanSettled: true });
    expect(checks["gcCallsWhileRunning"]).toBeGreaterThan(0);
  });
});
