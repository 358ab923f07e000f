/**
 * A child process saving checkpoints over one path is killed (SIGKILL) at random points,
 * many times; after every kill the file at that path loads and is exactly the old or the
 * new checkpoint, and the previous good one is never damaged.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCheckpoint } from "./checkpoint.js";

const CHILD = `
import { saveCheckpoint } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
const [path, tag] = process.argv.slice(1);
const big = new Float32Array(4 * 1024 * 1024).fill(Number(tag));
const c = { weights: new Map([["w", { dtype: "F32", shape: [big.length], data: big }]]), optimizer: new Map(),
  state: { step: Number(tag), epoch: 0, batchInEpoch: 0, lrSteps: 0, lrLast: 0, config: {} } };
process.stdout.write("go\\n");
saveCheckpoint(path, c);
process.stdout.write("saved\\n");
`;

function saveInChild(path: string, tag: number, killAfterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, path, String(tag)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.stdout.once("data", () => setTimeout(() => child.kill("SIGKILL"), killAfterMs));
    child.on("exit", () => resolve());
  });
}

describe("a process killed during a save", () => {
  it("always leaves a checkpoint that loads and is either the old or the new one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dlrm-kill-"));
    const path = join(dir, "ckpt.safetensors");
    await saveInChild(path, 0, 10_000);
    let current = loadCheckpoint(path).state.step;
    expect(current).toBe(0);
    let interrupted = 0;
    for (let i = 1; i <= 25; i++) {
      await saveInChild(path, i, i % 5 === 0 ? 0 : Math.floor(Math.random() * 60));
      const step = loadCheckpoint(path).state.step;
      expect([current, i]).toContain(step);
      if (step === current) interrupted++;
      current = step;
      for (const f of readdirSync(dir)) if (f.includes(".tmp-")) rmSync(join(dir, f));
    }
    // The kills must really land mid-save some of the time, or this test proves nothing.
    expect(interrupted).toBeGreaterThan(0);
  }, 120_000);
});
