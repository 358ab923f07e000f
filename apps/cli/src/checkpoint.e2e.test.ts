/**
 * End-to-end checkpoint behaviour of `dlrm train` as a child process: SIGINT and SIGTERM
 * write a checkpoint and exit 130 / 143 with a line saying where it is; --resume continues
 * to the same final weights as an uninterrupted run; a missing resume path is an error;
 * --save-model writes PyTorch-named weights, and a failing save exits non-zero naming the path.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOptimizerTensor, readSafetensors } from "@dlrm/core";

const MAIN = fileURLToPath(new URL("../bin/dlrm.js", import.meta.url));
const TINY = [
  "train",
  "--backend",
  "wasm",
  "--mini-batch-size",
  "16",
  "--arch-embedding-size",
  "500-60",
  "--arch-mlp-bot",
  "13-8-4",
  "--arch-sparse-feature-size",
  "4",
  "--arch-mlp-top",
  "8-1",
  "--print-freq",
  "1000",
];
let dir = "";

function dlrm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 90_000,
    env: { ...process.env, DLRM_DEBUG: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long run, sends `signal` once it has trained a while, and collects the result. */
function interrupted(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...process.env, DLRM_DEBUG: "" } });
    let out = "";
    let sent = false;
    const collect = (d: Buffer): void => {
      out += d.toString();
      if (!sent && /Finished training it 2000\//.test(out)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dlrm-cli-ckpt-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("dlrm train checkpoints", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} writes a checkpoint and exits ${code} saying where it is; --resume reaches the uninterrupted weights`, async () => {
      const ck = join(dir, `ck-${signal}`);
      const long = [...TINY, "--num-batches", "400000", "--print-freq", "1000", "--checkpoint-dir", ck];
      const r = await interrupted(long, signal);
      expect(r.code).toBe(code);
      const where = new RegExp(
        `stopped by ${signal} after step (\\d+); checkpoint: (\\S+checkpoint-\\d+\\.safetensors)`,
      ).exec(r.out);
      expect(where, r.out).not.toBeNull();
      const stoppedAt = Number(where![1]);
      const total = stoppedAt + 300;
      const resumed = dlrm([
        ...TINY,
        "--num-batches",
        String(total),
        "--checkpoint-dir",
        ck,
        "--resume",
        ck,
        "--save-model",
        join(dir, `resumed-${signal}.safetensors`),
      ]);
      expect(resumed.stderr).toBe("");
      expect(resumed.status).toBe(0);
      expect(resumed.stdout).toContain(`resume      ${where![2]} (step ${stoppedAt})`);
      const straight = dlrm([
        ...TINY,
        "--num-batches",
        String(total),
        "--checkpoint-dir",
        join(dir, "unused"),
        "--save-model",
        join(dir, `straight-${signal}.safetensors`),
      ]);
      expect(straight.status).toBe(0);
      expect(readFileSync(join(dir, `resumed-${signal}.safetensors`))).toEqual(
        readFileSync(join(dir, `straight-${signal}.safetensors`)),
      );
    }, 120_000);
  }

  it("refuses a missing --resume path instead of starting fresh", () => {
    const r = dlrm([...TINY, "--num-batches", "3", "--resume", join(dir, "nowhere")]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^dlrm: error: --resume: .*nowhere: does not exist; check the path/);
    expect(r.stdout).not.toMatch(/Finished training/);
  });

  it("refuses to resume with another model configuration, naming the field", () => {
    const ck = join(dir, "ck-config");
    expect(dlrm([...TINY, "--num-batches", "4", "--checkpoint-every", "2", "--checkpoint-dir", ck]).status).toBe(0);
    const r = dlrm([...TINY, "--num-batches", "8", "--arch-mlp-bot", "13-6-4", "--resume", ck]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--resume: .* was made with another configuration: model: /);
  });

  it("--save-model writes dlrm-named float32 weights of the shapes torch_dlrm_ref.py's model has", () => {
    const out = join(dir, "w.safetensors");
    const r = dlrm([...TINY, "--num-batches", "2", "--save-model", out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Saved the weights, optimizer state and training state (step 2) to ${out}`);
    const w = readSafetensors(out, (name) => !isOptimizerTensor(name));
    expect([...w.keys()]).toEqual([
      "emb_l.0.weight",
      "emb_l.1.weight",
      "bot_l.0.weight",
      "bot_l.0.bias",
      "bot_l.2.weight",
      "bot_l.2.bias",
      "top_l.0.weight",
      "top_l.0.bias",
      "top_l.2.weight",
      "top_l.2.bias",
    ]);
    expect(w.get("emb_l.0.weight")!.shape).toEqual([500, 4]);
    expect(w.get("bot_l.0.weight")!.shape).toEqual([8, 13]);
    expect(w.get("top_l.2.weight")!.shape).toEqual([1, 8]);
  });

  it("a save into a missing directory exits non-zero naming the path and errno, with no 'Saved' line", () => {
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "x");
    const out = join(blocker, "w.safetensors");
    const r = dlrm([...TINY, "--num-batches", "2", "--save-model", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^dlrm: error: --save-model: ${out}: .*not-a-dir is not a directory`));
    expect(r.stdout).not.toMatch(/Saved/);
    mkdirSync(join(dir, "ok"), { recursive: true });
  });
});
