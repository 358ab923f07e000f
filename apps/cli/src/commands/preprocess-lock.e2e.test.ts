/**
 * Two `dlrm preprocess` runs on the same directory at once (two terminals, or the ranks of
 * an mpirun job): the second waits for the first's lock, says whose, and then reuses every
 * chunk; the directory is built once and no lock is left behind.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url));
const SAMPLE = fileURLToPath(new URL("../../../../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dlrm-cli-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function preprocess(raw: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [MAIN, "preprocess", "--raw-data-file", raw, "--processed-data-file", "p", "--max-ind-range", "1000"],
      { cwd: dir },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("dlrm preprocess twice at once on one directory", () => {
  it("builds it once: the second run waits for the first's lock, then reuses every chunk", async () => {
    const raw = join(dir, "train.txt");
    writeFileSync(raw, readFileSync(SAMPLE, "utf8").repeat(30));
    const first = preprocess(raw);
    await new Promise((r) => setTimeout(r, 300));
    const second = preprocess(raw);
    const runs = await Promise.all([first, second]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const all = runs.map((r) => r.out).join("\n");
    expect(all.match(/7 chunks written, 0 reused/g)).toHaveLength(1);
    expect(all.match(/0 chunks written, 7 reused/g)).toHaveLength(1);
    expect(all).toMatch(/^dlrm: waiting for process \d+, which is preprocessing p$/m);
    expect(existsSync(join(dir, "p.lock"))).toBe(false);
  }, 120_000);
});
