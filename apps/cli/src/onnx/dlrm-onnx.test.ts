/**
 * The exported graph against a float64 forward pass written out here (bottom MLP, sum bags,
 * dot/cat interaction, top MLP, sigmoid; ReLU or sigmoid hidden layers), on seeded weights
 * with bags of varied lengths: empty bags (trailing ones too), repeated indices, several batch
 * sizes in one session, and the --loss-threshold clamp; and a checkpoint whose shapes do not fit is refused by name.
 */
import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { Rng, type ModelConfig, type StateDict } from "@dlrm/core";
import { dlrmToOnnx } from "./dlrm-onnx.js";

const MODEL: ModelConfig = {
  embeddingDim: 3,
  tableRows: [7, 5],
  bottomMlp: [4, 6, 3],
  topMlp: [5, 1],
  interaction: "dot",
  interactionItself: false,
};

/** Seeded weights for `m` with dlrm's names (uniform in [-0.5, 0.5)). */
function seededState(m: ModelConfig, topInput: number): StateDict {
  const rng = new Rng(17);
  const state: StateDict = new Map();
  const add = (name: string, shape: number[]): void => {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() - 0.5);
    state.set(name, { dtype: "F32", shape, data });
  };
  m.tableRows.forEach((rows, t) => add(`emb_l.${t}.weight`, [rows, m.embeddingDim]));
  const layers = (prefix: string, widths: number[]): void => {
    for (let i = 0; i + 1 < widths.length; i++) {
      add(`${prefix}.${2 * i}.weight`, [widths[i + 1]!, widths[i]!]);
      add(`${prefix}.${2 * i}.bias`, [widths[i + 1]!]);
    }
  };
  layers("bot_l", m.bottomMlp);
  layers("top_l", [topInput, ...m.topMlp]);
  return state;
}

/** y = W x + b over the float64 `x`, then the model's activation (ReLU or sigmoid) unless `logit`. */
function linear64(state: StateDict, m: ModelConfig, name: string, x: number[], logit: boolean): number[] {
  const w = state.get(`${name}.weight`)!;
  const b = state.get(`${name}.bias`)!;
  const [out, n] = w.shape as [number, number];
  return Array.from({ length: out }, (_, o) => {
    let s = b.data[o]!;
    for (let k = 0; k < n; k++) s += w.data[o * n + k]! * x[k]!;
    if (logit) return s;
    return m.activation === "sigmoid" ? 1 / (1 + Math.exp(-s)) : Math.max(s, 0);
  });
}

/** The float64 probability of one row: dense [13-like], bags[t] = the row's indices into table t. */
function forward64(state: StateDict, m: ModelConfig, dense: number[], bags: number[][], threshold: number): number {
  const D = m.embeddingDim;
  let x = dense;
  for (let i = 0; i + 1 < m.bottomMlp.length; i++) x = linear64(state, m, `bot_l.${2 * i}`, x, false);
  const pooled = bags.map((bag, t) => {
    const w = state.get(`emb_l.${t}.weight`)!.data;
    return Array.from({ length: D }, (_, j) => bag.reduce((s, r) => s + w[r * D + j]!, 0));
  });
  const f = [x, ...pooled];
  let r: number[];
  if (m.interaction === "cat") r = f.flat();
  else {
    r = [...x];
    for (let i = 0; i < f.length; i++)
      for (let k = 0; k <= (m.interactionItself ? i : i - 1); k++)
        r.push(f[i]!.reduce((s, v, j) => s + v * f[k]![j]!, 0));
  }
  for (let i = 0; i < m.topMlp.length; i++) r = linear64(state, m, `top_l.${2 * i}`, r, i === m.topMlp.length - 1);
  const p = 1 / (1 + Math.exp(-r[0]!));
  return threshold > 0 ? Math.min(Math.max(p, threshold), 1 - threshold) : p;
}

/** Runs the graph over rows (dense, bags per table) and returns onnxruntime's probabilities, NaN-poisoned first. */
async function run(session: ort.InferenceSession, dense: number[][], bags: number[][][]): Promise<Float32Array> {
  const B = dense.length;
  const feeds: Record<string, ort.Tensor> = {
    dense: new ort.Tensor("float32", Float32Array.from(dense.flat()), [B, dense[0]!.length]),
  };
  for (let t = 0; t < bags[0]!.length; t++) {
    const indices = bags.flatMap((row) => row[t]!);
    const offsets: number[] = [];
    let at = 0;
    for (const row of bags) {
      offsets.push(at);
      at += row[t]!.length;
    }
    feeds[`indices_${t}`] = new ort.Tensor("int64", BigInt64Array.from(indices, BigInt), [indices.length]);
    feeds[`offsets_${t}`] = new ort.Tensor("int64", BigInt64Array.from(offsets, BigInt), [B]);
  }
  const out = new ort.Tensor("float32", new Float32Array(B).fill(NaN), [B]);
  return (await session.run(feeds, { probabilities: out })).probabilities!.data as Float32Array;
}

/** Rows of varied bags: empty, single, repeated indices, and empty last bags (offset = NNZ). */
function rowsOf(m: ModelConfig, B: number, seed: number): { dense: number[][]; bags: number[][][] } {
  const rng = new Rng(seed);
  const dense = Array.from({ length: B }, () => Array.from({ length: m.bottomMlp[0]! }, () => rng.uniform() * 3));
  const bags = Array.from({ length: B }, (_, b) =>
    m.tableRows.map((rows) => {
      const len = b === B - 1 ? 0 : rng.int(4);
      const bag = Array.from({ length: len }, () => rng.int(rows));
      return len === 3 ? [bag[0]!, ...bag.slice(1, 2), bag[0]!] : bag;
    }),
  );
  return { dense, bags };
}

const CASES: { label: string; model: ModelConfig; threshold: number }[] = [
  { label: "dot", model: MODEL, threshold: 0 },
  { label: "dot with --arch-interaction-itself", model: { ...MODEL, interactionItself: true }, threshold: 0 },
  { label: "cat with --loss-threshold 0.4", model: { ...MODEL, interaction: "cat" }, threshold: 0.4 },
  { label: "dot with --activation-function sigmoid", model: { ...MODEL, activation: "sigmoid" }, threshold: 0 },
];

describe("dlrmToOnnx against a float64 forward pass", () => {
  for (const c of CASES) {
    it(`${c.label}: bags of 0-3 indices (repeats, empty last bags) at batch sizes 1, 5 and 9 within 1e-5`, async () => {
      const F = c.model.tableRows.length + 1;
      const D = c.model.embeddingDim;
      const pairs = c.model.interactionItself ? (F * (F + 1)) / 2 : (F * (F - 1)) / 2;
      const state = seededState(c.model, c.model.interaction === "cat" ? F * D : D + pairs);
      const bytes = dlrmToOnnx(state, { model: c.model, lossThreshold: c.threshold });
      const session = await ort.InferenceSession.create(bytes);
      try {
        for (const [B, seed] of [
          [1, 3],
          [5, 4],
          [9, 5],
        ] as const) {
          const { dense, bags } = rowsOf(c.model, B, seed);
          const got = await run(session, dense, bags);
          const want = dense.map((d, b) => forward64(state, c.model, d, bags[b]!, c.threshold));
          want.forEach((w, b) => expect(Math.abs(got[b]! - w) / Math.abs(w), `row ${b} of ${B}`).toBeLessThan(1e-5));
          if (c.threshold > 0) expect(Math.min(...got)).toBeGreaterThanOrEqual(Math.fround(c.threshold));
        }
      } finally {
        await session.release();
      }
    });
  }

  it("refuses weights whose shapes do not fit the model, naming the tensor", () => {
    const state = seededState(MODEL, 99);
    expect(() => dlrmToOnnx(state, { model: MODEL, lossThreshold: 0 })).toThrow(
      "ONNX export: tensor top_l.0.weight has shape [5, 99], the model needs [5, 6]",
    );
  });
});
