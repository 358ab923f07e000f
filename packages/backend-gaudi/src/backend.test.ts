/**
 * GaudiBackend through the factory: availability and start-up line, training eager and
 * lazy bit-identical (one submission per step), lazy `read` waiting for the running
 * step, and Tensor ownership checks.
 */
import { expect, it } from "vitest";
import {
  createRandomSource,
  DEFAULT_RANDOM_DATA,
  DEFAULT_TRAIN_CONFIG,
  trainModel,
  type Backend,
  type TrainConfig,
} from "@dlrm/core";
import { gaudiBackendFactory } from "./factory.js";
import type { GaudiBackend } from "./gaudi-backend.js";
import { describeNative, expectError } from "./test-util.js";

const cfg: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  model: { ...DEFAULT_TRAIN_CONFIG.model, tableRows: [500, 300, 200, 100] },
  batchSize: 64,
  numBatches: 6,
  printFreq: 3,
};
const data = { ...DEFAULT_RANDOM_DATA, dataSize: 64 * 6 };

async function trainedWeights(
  mode: "eager" | "lazy",
  optimizer: TrainConfig["optimizer"],
): Promise<{ weights: Float32Array[]; backend: Backend }> {
  const backend = await gaudiBackendFactory.create({ mode });
  const c = { ...cfg, optimizer };
  const { model } = await trainModel(backend, c, createRandomSource(c, data));
  const weights = (await model.stateDict()).values();
  return { weights: [...weights].map((w) => w.data), backend };
}

describeNative("gaudi backend", () => {
  it("is available here and names its device", async () => {
    expect(await gaudiBackendFactory.unavailableReason()).toBeUndefined();
    const be = await gaudiBackendFactory.create();
    expect(be.info.name).toBe("gaudi");
    expect(be.info.device).toMatch(
      /^host CPU \(native C\+\+, \d+ threads? in one OpenMP pool, ISA (portable|avx2|avx512)( \(DLRM_CPU_ISA\))?: (AVX2|portable) kernels, OpenBLAS /,
    );
    expect(be.info.deterministic).toBe(true);
    expect(be.mode).toBe("eager");
    be.dispose();
  });

  for (const optimizer of ["adagrad", "sgd", "rwsadagrad"] as const) {
    it(`trains bit-identically eager and lazy (${optimizer}), one submission per step`, async () => {
      const eager = await trainedWeights("eager", optimizer);
      const lazy = await trainedWeights("lazy", optimizer);
      expect(lazy.weights.length).toBe(eager.weights.length);
      eager.weights.forEach((w, i) =>
        expect(Buffer.compare(Buffer.from(w.buffer), Buffer.from(lazy.weights[i]!.buffer)), `tensor ${i}`).toBe(0),
      );
      expect((lazy.backend as GaudiBackend).lazyStats.submissions).toBe(cfg.numBatches + 1);
      eager.backend.dispose();
      lazy.backend.dispose();
    });
  }

  it("lazy read waits for the queued step; sync resolves after it", async () => {
    const be = await gaudiBackendFactory.create({ mode: "lazy" });
    const t = be.alloc([3], "f32", "t");
    be.write(t, Float32Array.from([-1, 2, -3]));
    be.reluForward({ x: t, y: t, size: 3 });
    expect(Array.from(await be.read(t))).toEqual([0, 2, 0]);
    be.fill({ t, value: 5 });
    await be.sync();
    expect(Array.from(await be.read(t))).toEqual([5, 5, 5]);
    be.dispose();
  });

  it("rejects tensors of another backend, freed tensors and use after dispose", async () => {
    const a = await gaudiBackendFactory.create();
    const b = await gaudiBackendFactory.create();
    const ta = a.alloc([2], "f32", "ta");
    const tb = b.alloc([2], "f32", "tb");
    expectError(() => a.reluForward({ x: tb, y: ta, size: 2 }), Error, 'argument "x"', "belongs to another backend");
    a.free(ta);
    expectError(() => a.fill({ t: ta, value: 1 }), Error, 'argument "t"', "freed");
    expectError(() => a.alloc([2, -1], "f32", "bad"), RangeError, "alloc(bad)");
    a.dispose();
    expectError(() => a.alloc([1], "f32"), Error, "disposed");
    b.dispose();
  });
});
