/**
 * Exact resume: N steps straight against N/2, checkpoint, resume, N/2 more gives
 * byte-identical parameters and optimizer state (reference backend, across an epoch
 * boundary, with warmup so the LR schedule position matters). Also stop requests,
 * keep-K pruning, damaged-checkpoint fall-back and a missing resume path.
 */
import { mkdtempSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_CONFIG, type RandomDataConfig, type TrainConfig } from "../config.js";
import { createRandomSource } from "../data/random-source.js";
import { referenceBackendFactory } from "../reference/index.js";
import { trainModel } from "../train/trainer.js";
import { loadCheckpoint } from "./checkpoint.js";
import { listCheckpoints, resolveResume } from "./checkpoint-dir.js";

const cfg: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: { ...DEFAULT_TRAIN_CONFIG.model, tableRows: [40, 7], bottomMlp: [5, 8, 4], topMlp: [6, 1], embeddingDim: 4 },
  batchSize: 8,
  learningRate: 0.05,
  epochs: 2,
  printFreq: 3,
  lrNumWarmupSteps: 4,
};
const data: RandomDataConfig = {
  kind: "random",
  dataSize: 8 * 5,
  numIndicesPerLookup: 3,
  numIndicesPerLookupFixed: false,
  roundTargets: true,
};

async function finalBytes(model: Awaited<ReturnType<typeof trainModel>>["model"]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const [n, t] of await model.stateDict()) out.set(n, new Uint8Array(t.data.buffer));
  for (const [n, t] of await model.optimizerStateDict()) out.set(`opt:${n}`, new Uint8Array(t.data.buffer));
  return out;
}

describe("checkpoint and resume", () => {
  it("N steps straight equals N/2 + save + resume + N/2, byte for byte", async () => {
    const straight = await trainModel(await referenceBackendFactory.create(), cfg, createRandomSource(cfg, data));
    expect(straight.summary.steps).toBe(10);
    const dir = mkdtempSync(join(tmpdir(), "dlrm-resume-"));
    let calls = 0;
    const first = await trainModel(await referenceBackendFactory.create(), cfg, createRandomSource(cfg, data), {
      checkpoint: { dir, every: 100, keep: 2 },
      shouldStop: () => ++calls === 7,
    });
    expect(first.summary.stopped).toBe(true);
    expect(first.summary.steps).toBe(7);
    const resumed = resolveResume(dir, () => undefined);
    expect(resumed.checkpoint.state).toMatchObject({ step: 7, epoch: 1, batchInEpoch: 2 });
    const second = await trainModel(await referenceBackendFactory.create(), cfg, createRandomSource(cfg, data), {
      resume: resumed,
    });
    expect(second.summary.steps).toBe(10);
    expect(await finalBytes(second.model)).toEqual(await finalBytes(straight.model));
  });

  it("keeps the newest K periodic checkpoints and writes a final one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dlrm-keep-"));
    await trainModel(await referenceBackendFactory.create(), cfg, createRandomSource(cfg, data), {
      checkpoint: { dir, every: 3, keep: 2 },
    });
    expect(readdirSync(dir).sort()).toEqual(["checkpoint-000000009.safetensors", "checkpoint-000000010.safetensors"]);
    expect(loadCheckpoint(listCheckpoints(dir)[0]!).state).toMatchObject({ step: 10, epoch: 2, batchInEpoch: 0 });
  });

  it("falls back past a damaged newest checkpoint, saying so; errors when none loads or the path is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dlrm-damaged-"));
    await trainModel(await referenceBackendFactory.create(), cfg, createRandomSource(cfg, data), {
      checkpoint: { dir, every: 4, keep: 3 },
    });
    const [newest, previous] = listCheckpoints(dir);
    truncateSync(newest!, 200);
    const warnings: string[] = [];
    const r = resolveResume(dir, (m) => warnings.push(m));
    expect(r.path).toBe(previous);
    expect(warnings[0]).toContain(newest);
    const flipped = join(dir, "checkpoint-000000099.safetensors");
    const bytes = (await import("node:fs")).readFileSync(previous!);
    bytes[bytes.length - 3]! ^= 0x40;
    writeFileSync(flipped, bytes);
    expect(() => loadCheckpoint(flipped)).toThrow(/checksum mismatch/);
    expect(() => resolveResume(join(dir, "nope"), () => undefined)).toThrow(
      /no such file or directory \(refusing to start fresh\)/,
    );
  });
});
