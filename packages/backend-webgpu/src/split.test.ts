/**
 * Tables split across buffers by rows (forced small with the `maxChunkBytes` test hook, so no
 * large table is allocated): write/read/fill round trips across chunk boundaries, ops other
 * than the table ops refuse a split tensor naming the op, the tensor and the limit, and
 * training (forward, fused and unfused sparse updates, every optimizer) on split tables
 * matches unsplit training within tolerance, deterministically, with lazy == eager.
 */
import { afterEach, expect, it } from "vitest";
import {
  DEFAULT_RANDOM_DATA,
  DEFAULT_TRAIN_CONFIG,
  createRandomSource,
  trainModel,
  type Backend,
  type ExecutionMode,
  type OptimizerName,
  type TrainConfig,
} from "@dlrm/core";
import { WebGpuBackend } from "./backend.js";
import { describeGpu } from "./testing/describe-gpu.js";

/** Forced chunk limit: tables (>= 1000 rows x 12) split; every other tensor of CONFIG fits. */
const CHUNK_BYTES = 16384;
const STEPS = 3;

function config(optimizer: OptimizerName, mode: ExecutionMode): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    model: {
      ...DEFAULT_TRAIN_CONFIG.model,
      embeddingDim: 12,
      tableRows: [6000, 40, 3000],
      bottomMlp: [13, 32, 12],
      topMlp: [32, 16, 1],
    },
    batchSize: 32,
    numBatches: STEPS,
    printFreq: 1,
    loss: "bce",
    optimizer,
    mode,
  };
}

/** The backend without the fused backward + update, so the model calls sparseSgdStep / sparseAdagradStep. */
function unfused(be: WebGpuBackend): Backend {
  return new Proxy(be, {
    get(target, prop) {
      if (prop === "embeddingBagsBackwardSparseStep") return undefined;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const backends: WebGpuBackend[] = [];
async function make(mode: ExecutionMode, split: boolean): Promise<WebGpuBackend> {
  const b = await WebGpuBackend.create(mode, split ? { maxChunkBytes: CHUNK_BYTES } : {});
  backends.push(b);
  return b;
}

/** Trains STEPS steps; returns the weights and losses. */
async function train(be: WebGpuBackend, optimizer: OptimizerName, mode: ExecutionMode, fused: boolean) {
  const cfg = config(optimizer, mode);
  const source = createRandomSource(cfg, {
    ...DEFAULT_RANDOM_DATA,
    dataSize: cfg.batchSize * STEPS,
    numIndicesPerLookup: 3,
  });
  const losses: number[] = [];
  const { model } = await trainModel(fused ? be : unfused(be), cfg, source, { onPrint: (r) => losses.push(r.loss) });
  return { weights: await model.stateDict(), losses };
}

await describeGpu("webgpu tables split across buffers", () => {
  afterEach(() => {
    for (const b of backends.splice(0)) b.dispose();
  });

  it("write, read and fill round-trip across chunk boundaries", async () => {
    const be = await make("lazy", true);
    const t = be.alloc([2500, 7], "f32", "big");
    const data = Float32Array.from({ length: 5000 }, (_, i) => i * 0.5 - 3);
    be.fill({ t, value: 1.5 });
    be.write(t, data, 900);
    const out = await be.read(t);
    expect(out.length).toBe(2500 * 7);
    expect(Array.from(out.subarray(900, 5900))).toEqual(Array.from(data));
    expect(out[899]).toBe(1.5);
    expect(out[5900]).toBe(1.5);
    expect(out[2500 * 7 - 1]).toBe(1.5);
    const ints = be.alloc([5000], "i32", "ints");
    be.write(
      ints,
      Int32Array.from({ length: 5000 }, (_, i) => i - 7),
    );
    expect(Array.from(await be.read(ints))).toEqual(Array.from({ length: 5000 }, (_, i) => i - 7));
    be.free(t);
    be.free(ints);
  });

  it("ops other than the table ops refuse a split tensor, naming the op, the tensor and the limit", async () => {
    const be = await make("eager", true);
    const a = be.alloc([2000, 4], "f32", "emb_l.0.weight");
    const b = be.alloc([4, 4], "f32");
    const c = be.alloc([2000, 4], "f32");
    expect(() => be.gemm({ a, b, c, m: 2000, n: 4, k: 4, transA: false, transB: false, alpha: 1, beta: 0 })).toThrow(
      /gemm: argument 'a' \(emb_l\.0\.weight\).*maxChunkBytes\) of 16384 bytes/,
    );
  });

  for (const optimizer of ["sgd", "adagrad", "rwsadagrad"] as const) {
    for (const fused of [true, false]) {
      it(`${optimizer} (${fused ? "fused" : "unfused"} update): split tables train like unsplit ones, deterministically, lazy == eager`, async () => {
        const whole = await train(await make("eager", false), optimizer, "eager", fused);
        const eager = await train(await make("eager", true), optimizer, "eager", fused);
        const lazy = await train(await make("lazy", true), optimizer, "lazy", fused);
        const again = await train(await make("eager", true), optimizer, "eager", fused);
        expect(eager.losses).toHaveLength(STEPS);
        expect(lazy.weights).toEqual(eager.weights);
        expect(again.weights).toEqual(eager.weights);
        eager.losses.forEach((l, i) => expect(l).toBeCloseTo(whole.losses[i]!, 5));
        for (const [name, { data: w }] of whole.weights) {
          const s = eager.weights.get(name)!.data;
          expect(s.length, name).toBe(w.length);
          let worst = 0;
          for (let i = 0; i < w.length; i++)
            worst = Math.max(worst, Math.abs(s[i]! - w[i]!) / (1e-3 + Math.abs(w[i]!)));
          expect(worst, name).toBeLessThan(1e-4);
        }
      });
    }
  }
});
