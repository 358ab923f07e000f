/**
 * DLRM scored on the host with quantized weights (dlrm's --quantize-emb-with-bit 4|8 and
 * --quantize-mlp-with-bit 8): row-wise quantized tables (rowwise.ts), int8 MLPs
 * (int8-linear.ts), the dot / cat interaction and DCNv2's cross network (kept float32, as
 * quantize_dynamic leaves TorchRec's bare cross parameters) as the backends compute them.
 */
import {
  checkStateDict,
  dcnShape,
  interactionWidth,
  mlpLayers,
  type Batch,
  type ModelConfig,
  type StateDict,
} from "@dlrm/core";
import {
  fp32LinearForward,
  int8LinearForward,
  quantizeLinear,
  type Fp32Linear,
  type Int8Linear,
} from "./int8-linear.js";
import { poolBag, quantizeTable, type EmbeddingBits, type QuantizedTable } from "./rowwise.js";

/** What is quantized: table bits (32: float32 tables) and MLP weight bits (32: float32). */
export interface QuantizeOptions {
  readonly embBits: EmbeddingBits | 32;
  readonly mlpBits: 8 | 32;
}

/** Bytes of the tables and MLP weights as held here, and as float32. */
export interface QuantizedMemory {
  tableBytes: number;
  fp32TableBytes: number;
  mlpBytes: number;
  fp32MlpBytes: number;
}

type Layer = { int8: Int8Linear } | { fp32: Fp32Linear };

interface CrossLayer {
  V: Fp32Linear;
  W: Fp32Linear;
}

export class QuantizedDlrm {
  private readonly tables: (QuantizedTable | Float32Array)[];
  private readonly bottom: Layer[];
  private readonly top: Layer[];
  private readonly cross: CrossLayer[];
  private readonly D: number;
  private readonly width: number;

  /** Quantizes `state` (checked strictly against `model`, plain tables only); `source` names it in errors. */
  constructor(
    readonly model: Readonly<ModelConfig>,
    state: StateDict,
    readonly options: QuantizeOptions,
    private readonly lossThreshold: number,
    source: string,
  ) {
    if (model.embeddingVariant !== undefined) throw new Error("quantized scoring needs plain tables (no QR / MD)");
    checkStateDict(model, state, source);
    const get = (name: string): Float32Array => state.get(name)!.data;
    this.D = model.embeddingDim;
    this.width = interactionWidth(model);
    this.tables = model.tableRows.map((rows, t) => {
      const w = get(`emb_l.${t}.weight`);
      return options.embBits === 32 ? w : quantizeTable(w, rows, this.D, options.embBits);
    });
    const { bottom, top } = mlpLayers(model);
    const layers = (prefix: string, widths: readonly number[], sigmoidLast: boolean): Layer[] =>
      widths.slice(1).map((out, i) => {
        const n = widths[i]!;
        const relu = !(sigmoidLast && i === widths.length - 2);
        const weight = get(`${prefix}.${2 * i}.weight`);
        const bias = get(`${prefix}.${2 * i}.bias`);
        return options.mlpBits === 8
          ? { int8: quantizeLinear(weight, bias, out, n, relu) }
          : { fp32: { inFeatures: n, outFeatures: out, relu, weight, bias } };
      });
    this.bottom = layers("bot_l", bottom, false);
    this.top = layers("top_l", top, true);
    const { layers: L, rank: K } = model.interaction === "dcn" ? dcnShape(model) : { layers: 0, rank: 0 };
    const N = this.width;
    const p = "inter_arch.crossnet";
    this.cross = Array.from({ length: L }, (_, l) => ({
      V: { inFeatures: N, outFeatures: K, relu: false, weight: get(`${p}.V_kernels.${l}`), bias: undefined },
      W: {
        inFeatures: K,
        outFeatures: N,
        relu: false,
        weight: get(`${p}.W_kernels.${l}`),
        bias: get(`${p}.bias.${l}`),
      },
    }));
  }

  /** The tables' and MLP weights' bytes (8-bit rows: D + 8 bytes; 4-bit: D / 2 + 4). */
  memory(): QuantizedMemory {
    const fp32TableBytes = this.model.tableRows.reduce((a, r) => a + r * this.D * 4, 0);
    const tableBytes = this.tables.reduce(
      (a, t) => a + (t instanceof Float32Array ? t.byteLength : t.data.byteLength),
      0,
    );
    const all = [...this.bottom, ...this.top];
    const params = (l: Layer): number => ("int8" in l ? l.int8.q.length : l.fp32.weight.length);
    const outs = (l: Layer): number => ("int8" in l ? l.int8.outFeatures : l.fp32.outFeatures);
    const fp32MlpBytes = all.reduce((a, l) => a + 4 * (params(l) + outs(l)), 0);
    const mlpBytes = all.reduce(
      (a, l) => a + ("int8" in l ? params(l) + 4 * outs(l) + 4 : 4 * (params(l) + outs(l))),
      0,
    );
    return { tableBytes, fp32TableBytes, mlpBytes, fp32MlpBytes };
  }

  private runLayers(layers: readonly Layer[], x: Float32Array, B: number): Float32Array {
    let h = x;
    for (const l of layers) {
      const f = "int8" in l ? l.int8 : l.fp32;
      const y = new Float32Array(B * f.outFeatures);
      if ("int8" in l) int8LinearForward(l.int8, h, B, y, new Uint8Array(f.inFeatures));
      else fp32LinearForward(l.fp32, h, B, y);
      h = y;
    }
    return h;
  }

  /** The pooled embeddings [n, T * D] of the first n samples of `batch` (T*B bags, table-major). */
  private pool(batch: Batch, n: number): Float32Array {
    const { D } = this;
    const T = this.tables.length;
    const B = batch.targets.length;
    const { indices, offsets } = batch.sparse;
    const pooled = new Float32Array(n * T * D);
    const acc = new Float64Array(D);
    this.tables.forEach((table, t) => {
      for (let b = 0; b < n; b++) {
        const lo = offsets[t * B + b]!;
        const hi = offsets[t * B + b + 1]!;
        const at = b * T * D + t * D;
        if (!(table instanceof Float32Array)) {
          poolBag(table, indices, lo, hi, pooled, at, acc);
          continue;
        }
        acc.fill(0);
        for (let i = lo; i < hi; i++) {
          const base = indices[i]! * D;
          for (let j = 0; j < D; j++) acc[j] = acc[j]! + table[base + j]!;
        }
        for (let j = 0; j < D; j++) pooled[at + j] = acc[j]!;
      }
    });
    return pooled;
  }

  /** The interaction [B, width] of the bottom MLP's output x [B, D] with `pooled` (dot: dlrm's pair order). */
  private interact(x: Float32Array, pooled: Float32Array, B: number): Float32Array {
    const { D, width } = this;
    const T = this.tables.length;
    const F = T + 1;
    const m = this.model;
    const out = new Float32Array(B * width);
    // One sample's features side by side: the bottom MLP's output, then its T pooled embeddings.
    const feats = new Float32Array(F * D);
    for (let b = 0; b < B; b++) {
      const row = b * width;
      feats.set(x.subarray(b * D, (b + 1) * D), 0);
      feats.set(pooled.subarray(b * T * D, (b + 1) * T * D), D);
      if (m.interaction !== "dot") {
        out.set(feats, row);
        continue;
      }
      out.set(feats.subarray(0, D), row);
      let p = D;
      for (let i = 0; i < F; i++) {
        const last = m.interactionItself ? i : i - 1;
        for (let k = 0; k <= last; k++) {
          let sum = 0;
          for (let j = 0; j < D; j++) sum += feats[i * D + j]! * feats[k * D + j]!;
          out[row + p++] = sum;
        }
      }
    }
    return out;
  }

  /** DCNv2's cross layers over x0 [B, N]: x_{l+1} = x0 * (W_l (V_l x_l) + b_l) + x_l. */
  private crossForward(x0: Float32Array, B: number): Float32Array {
    let x = x0;
    for (const l of this.cross) {
      const u = new Float32Array(B * l.V.outFeatures);
      fp32LinearForward(l.V, x, B, u);
      const y = new Float32Array(B * l.W.outFeatures);
      fp32LinearForward(l.W, u, B, y);
      for (let i = 0; i < y.length; i++) y[i] = x0[i]! * y[i]! + x[i]!;
      x = y;
    }
    return x;
  }

  /**
   * Click probabilities [B] of `batch`'s B samples (sigmoid, clamped to [t, 1-t] for
   * --loss-threshold t); only the first `count` are computed (the rest, padding, are 0).
   */
  score(batch: Batch, count = batch.targets.length): Float32Array {
    const full = batch.targets.length;
    const B = Math.min(count, full);
    const x = this.runLayers(this.bottom, batch.dense.subarray(0, B * this.model.bottomMlp[0]!), B);
    const inter = this.interact(x, this.pool(batch, B), B);
    const logits = this.runLayers(this.top, this.crossForward(inter, B), B);
    const t = this.lossThreshold;
    const probs = new Float32Array(full);
    for (let b = 0; b < B; b++) {
      const p = 1 / (1 + Math.exp(-logits[b]!));
      probs[b] = t > 0 ? Math.min(Math.max(p, t), 1 - t) : p;
    }
    return probs;
  }
}
