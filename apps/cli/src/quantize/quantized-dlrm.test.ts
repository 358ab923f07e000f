/**
 * The host scoring path: unquantized (32 / 32) it gives the reference backend's
 * probabilities for dot, dot with the diagonal, cat and dcn models; int8 linear layers stay
 * within their derived error bound; quantized tables and MLPs stay close to float32; the
 * reported memory is the fused layouts' size.
 */
import { describe, expect, it } from "vitest";
import {
  BatchUploader,
  createRandomSource,
  DEFAULT_RANDOM_DATA,
  DEFAULT_TRAIN_CONFIG,
  DlrmModel,
  referenceBackendFactory,
  type Batch,
  type ModelConfig,
  type StateDict,
  type TrainConfig,
} from "@dlrm/core";
import { fp32LinearForward, int8LinearForward, quantizeLinear } from "./int8-linear.js";
import { QuantizedDlrm, type QuantizeOptions } from "./quantized-dlrm.js";

const B = 16;

function configOf(model: Partial<ModelConfig>): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    model: {
      ...DEFAULT_TRAIN_CONFIG.model,
      tableRows: [50, 80, 30],
      bottomMlp: [13, 16, 8],
      topMlp: [12, 1],
      embeddingDim: 8,
      ...model,
    },
    batchSize: B,
    loss: "bce",
  };
}

/** Seeded weights, two random batches, and the reference backend's probabilities of each. */
async function reference(cfg: TrainConfig): Promise<{ state: StateDict; batches: Batch[]; probs: Float32Array[] }> {
  const be = await referenceBackendFactory.create();
  const source = createRandomSource(cfg, { ...DEFAULT_RANDOM_DATA, dataSize: 2 * B, numIndicesPerLookup: 4 });
  const model = new DlrmModel(be, cfg, { batchSize: B, maxIndicesPerBag: source.maxIndicesPerBag });
  model.loadInitialWeights();
  const up = new BatchUploader(be, model);
  const batches: Batch[] = [];
  const probs: Float32Array[] = [];
  for await (const b of source.batches(0)) {
    up.upload(b);
    model.forward();
    batches.push(b);
    probs.push(Float32Array.from(await be.read(model.probs)));
  }
  const state = await model.stateDict();
  be.dispose();
  return { state, batches, probs };
}

const MODELS: [string, Partial<ModelConfig>][] = [
  ["dot", { interaction: "dot" }],
  ["dot with the diagonal", { interaction: "dot", interactionItself: true, topMlp: [6, 1] }],
  ["cat", { interaction: "cat", topMlp: [10, 4, 1] }],
  ["dcn", { interaction: "dcn", dcnLayers: 2, dcnRank: 5, topMlp: [6, 1] }],
];

describe("QuantizedDlrm at 32 / 32 equals the reference backend", () => {
  it.each(MODELS)("%s", async (_name, model) => {
    const cfg = configOf(model);
    const { state, batches, probs } = await reference(cfg);
    const q = new QuantizedDlrm(cfg.model, state, { embBits: 32, mlpBits: 32 }, 0, "seeded");
    batches.forEach((b, i) => {
      const p = q.score(b);
      expect(p).toHaveLength(B);
      for (let s = 0; s < B; s++) expect(Math.abs(p[s]! - probs[i]![s]!)).toBeLessThanOrEqual(1e-6);
    });
  });
});

describe("quantized scores stay close to float32", () => {
  const cases: [QuantizeOptions, number][] = [
    [{ embBits: 8, mlpBits: 32 }, 2e-3],
    [{ embBits: 4, mlpBits: 32 }, 3e-2],
    [{ embBits: 32, mlpBits: 8 }, 3e-2],
    [{ embBits: 4, mlpBits: 8 }, 5e-2],
  ];
  it.each(cases)("%o: every probability within %f of float32's", async (opts, bound) => {
    const cfg = configOf({ interaction: "dot" });
    const { state, batches, probs } = await reference(cfg);
    const q = new QuantizedDlrm(cfg.model, state, opts, 0, "seeded");
    let worst = 0;
    batches.forEach((b, i) => {
      const p = q.score(b);
      for (let s = 0; s < B; s++) worst = Math.max(worst, Math.abs(p[s]! - probs[i]![s]!));
    });
    expect(worst).toBeLessThanOrEqual(bound);
    expect(worst).toBeGreaterThan(0);
  });
});

describe("int8 linear", () => {
  it("|y - y_fp32| <= sum_k |w_k| s_x / 2 + |x_k| s_w / 2 + s_x s_w / 4 for every output", () => {
    const n = 40;
    const m = 7;
    const rows = 5;
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const w = Float32Array.from({ length: m * n }, rnd);
    const bias = Float32Array.from({ length: m }, rnd);
    const x = Float32Array.from({ length: rows * n }, (_, i) => rnd() * (1 + (i % 3)));
    const l = quantizeLinear(w, bias, m, n, false);
    expect(l.scale).toBeCloseTo(Math.max(...Array.from(w, Math.abs)) / 127.5, 7);
    const y = new Float32Array(rows * m).fill(NaN);
    int8LinearForward(l, x, rows, y, new Uint8Array(n));
    const want = new Float32Array(rows * m).fill(NaN);
    fp32LinearForward({ inFeatures: n, outFeatures: m, relu: false, weight: w, bias }, x, rows, want);
    for (let b = 0; b < rows; b++) {
      const xs = Array.from(x.subarray(b * n, (b + 1) * n));
      const sx = (Math.max(0, ...xs) - Math.min(0, ...xs)) / 255;
      for (let o = 0; o < m; o++) {
        let bound = 0;
        for (let k = 0; k < n; k++)
          bound += (Math.abs(w[o * n + k]!) * sx) / 2 + (Math.abs(xs[k]!) * l.scale) / 2 + (sx * l.scale) / 4;
        expect(Math.abs(y[b * m + o]! - want[b * m + o]!)).toBeLessThanOrEqual(bound * (1 + 1e-6));
      }
    }
  });
});

describe("memory", () => {
  it("counts D + 8 bytes per 8-bit row, D / 2 + 4 per 4-bit row, one byte per int8 weight", async () => {
    const cfg = configOf({ interaction: "dot" });
    const { state } = await reference(cfg);
    const rows = 50 + 80 + 30;
    const m8 = new QuantizedDlrm(cfg.model, state, { embBits: 8, mlpBits: 8 }, 0, "seeded").memory();
    expect(m8.tableBytes).toBe(rows * (8 + 8));
    expect(m8.fp32TableBytes).toBe(rows * 8 * 4);
    const weights = 13 * 16 + 16 * 8 + 12 * (8 + 6) + 12;
    const biases = 16 + 8 + 12 + 1;
    expect(m8.fp32MlpBytes).toBe(4 * (weights + biases));
    expect(m8.mlpBytes).toBe(weights + 4 * biases + 4 * 4);
    const m4 = new QuantizedDlrm(cfg.model, state, { embBits: 4, mlpBits: 32 }, 0, "seeded").memory();
    expect(m4.tableBytes).toBe(rows * (4 + 4));
  });
});
