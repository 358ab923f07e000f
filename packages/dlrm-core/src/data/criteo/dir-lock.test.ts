/**
 * The processed directory's lock: a second holder waits until the first releases it, a
 * lock left by a dead process is taken over, and the lock is released after an error.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withDirectoryLock } from "./dir-lock.js";

const dir = mkdtempSync(join(tmpdir(), "dlrm-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("withDirectoryLock", () => {
  it("runs holders one after the other, the second told who it waits for", async () => {
    const target = join(dir, "a");
    const order: string[] = [];
    let waitedFor: number | undefined;
    let release!: () => void;
    const first = withDirectoryLock(target, async () => {
      order.push("first in");
      await new Promise<void>((r) => (release = r));
      order.push("first out");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withDirectoryLock(
      target,
      async () => void order.push("second"),
      (pid) => (waitedFor = pid),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(["first in"]);
    expect(waitedFor).toBe(process.pid);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first in", "first out", "second"]);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });

  it("takes over a lock whose process is gone, and releases it after an error", async () => {
    const target = join(dir, "b");
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(`${target}.lock`, `${dead} ${hostname()}\n`);
    await expect(
      withDirectoryLock(target, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
