/**
 * Fuzzed arguments in a child process: fuzz-child.mjs calls every addon entry point with
 * seeded random junk and plausible values; the child must exit normally (never by a
 * signal such as SIGSEGV or SIGABRT) and every rejection must be an Error.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { ADDON_PATH } from "./native.js";
import { addon, describeNative } from "./test-util.js";

const child = fileURLToPath(new URL("./fuzz-child.mjs", import.meta.url));

describeNative("fuzzed addon calls in a child process", () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: 4000 calls, the child exits 0, not by a signal`, () => {
      addon();
      const r = spawnSync(process.execPath, [child, ADDON_PATH, String(seed), "4000"], {
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as {
        calls: number;
        errors: number;
        nonErrors: number;
      };
      expect(report.calls).toBe(4000);
      expect(report.nonErrors).toBe(0);
      expect(report.errors).toBeGreaterThan(100);
      expect(report.errors).toBeLessThan(report.calls);
    });
  }
});
