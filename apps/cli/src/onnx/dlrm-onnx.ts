/**
 * The DLRM forward graph as ONNX (opset 17) from a state dict with dlrm's names: bottom MLP
 * (Gemm + Relu, or Sigmoid with --activation-function sigmoid), one sum-pooled embedding bag per table (Gather of rows, then ScatterND with
 * reduction add into the bag each index belongs to), the dot, cat or dcn interaction, the
 * top MLP and the sigmoid (clamped to [t, 1-t] with --loss-threshold t). Batch size and bag
 * lengths are dynamic. What this graph cannot express is refused by name (onnxExportRefusal).
 */
import { dcnShape, interactionWidth, type ModelConfig, type StateDict, type TrainConfig } from "@dlrm/core";
import { OnnxGraphBuilder, type Dim } from "./onnx-builder.js";

/** Graph input and output names: `dense`, `indices_<t>`, `offsets_<t>`, `probabilities`. */
export const ONNX_DENSE = "dense";
export const onnxIndices = (t: number): string => `indices_${t}`;
export const onnxOffsets = (t: number): string => `offsets_${t}`;
export const ONNX_OUTPUT = "probabilities";

/** What the exporter needs beyond the state dict. */
export interface OnnxExportOptions {
  model: ModelConfig;
  /** Probabilities are clamped to [t, 1-t] when t > 0 (`--loss-threshold`). */
  lossThreshold: number;
}

/**
 * The one-line reason a run cannot be exported, or undefined when it can: compressed (QR/MD)
 * embeddings, multi-hot bags, bf16 arithmetic.
 */
export function onnxExportRefusal(
  config: Readonly<TrainConfig>,
  multiHotSizes: readonly number[] | undefined,
): string | undefined {
  const v = config.model.embeddingVariant;
  if (v !== undefined)
    return `ONNX export supports plain embedding tables only, not ${v.kind === "qr" ? "QR (--qr-flag)" : "MD (--md-flag)"} embeddings`;
  if (multiHotSizes !== undefined)
    return "ONNX export supports dlrm's one-hot Criteo inputs, not synthetic multi-hot bags (--multi-hot-sizes)";
  if (config.precision !== "fp32") return `ONNX export is float32 only, not --data_type ${config.precision}`;
  return undefined;
}

/** The tensor `name` of `state` with exactly `shape`, or an error naming both. */
function tensor(state: StateDict, name: string, shape: readonly number[]): { name: string; data: Float32Array } {
  const t = state.get(name);
  if (t === undefined) throw new Error(`ONNX export: the weights have no tensor ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i]))
    throw new Error(
      `ONNX export: tensor ${name} has shape [${t.shape.join(", ")}], the model needs [${shape.join(", ")}]`,
    );
  return { name, data: t.data };
}

/**
 * Linear layers `prefix.{0,2,...}` over `x` with `widths`; the hidden activation (Relu or
 * Sigmoid) after each except a sigmoid-bound last.
 */
function mlp(
  g: OnnxGraphBuilder,
  state: StateDict,
  prefix: string,
  x: string,
  widths: readonly number[],
  lastIsLogit: boolean,
  activation: "Relu" | "Sigmoid",
): string {
  let h = x;
  for (let i = 0; i + 1 < widths.length; i++) {
    const name = `${prefix}.${2 * i}`;
    const w = tensor(state, `${name}.weight`, [widths[i + 1]!, widths[i]!]);
    const b = tensor(state, `${name}.bias`, [widths[i + 1]!]);
    h = g.op(
      "Gemm",
      [h, g.floats(w.name, [widths[i + 1]!, widths[i]!], w.data), g.floats(b.name, [widths[i + 1]!], b.data)],
      {
        transB: 1,
      },
    );
    if (!(lastIsLogit && i === widths.length - 2)) h = g.op(activation, [h]);
  }
  return h;
}

/**
 * One sum-pooled bag per offset: indices [NNZ] int64 into table [rows, D], offsets [B] int64
 * (bag b is indices[offsets[b] .. offsets[b+1]), the last bag runs to NNZ). The bag of index
 * j is (number of offsets <= j) - 1: a ScatterElements count of offsets over NNZ + 1 slots,
 * its first NNZ slots, CumSum, minus one. Returns pooled [B, D].
 */
function embeddingBag(g: OnnxGraphBuilder, table: string, D: number, indices: string, offsets: string): string {
  const nnz = g.op("Shape", [indices]);
  const one = g.ints([1]);
  const slots = g.op("ConstantOfShape", [g.op("Add", [nnz, one])], {});
  const ones = g.op("Add", [g.op("Mul", [offsets, g.ints([0])]), one]);
  const counts = g.op("ScatterElements", [g.op("Cast", [slots], { to: 7 }), offsets, ones], {
    axis: 0,
    reduction: "add",
  });
  const head = g.op("Slice", [counts, g.ints([0]), nnz]);
  const bag = g.op("Sub", [g.op("CumSum", [head, g.ints([0], [])]), one]);
  const rows = g.op("Gather", [table, indices], { axis: 0 });
  const pooledShape = g.op("Concat", [g.op("Shape", [offsets]), g.ints([D])], { axis: 0 });
  const zeros = g.op("ConstantOfShape", [pooledShape], {});
  return g.op("ScatterND", [g.op("Cast", [zeros], { to: 1 }), g.op("Unsqueeze", [bag, g.ints([1])]), rows], {
    reduction: "add",
  });
}

/** dlrm's dot interaction: [x, the strictly lower (or with --arch-interaction-itself, full lower) triangle of Z Z^T]. */
function dotInteraction(g: OnnxGraphBuilder, x: string, pooled: readonly string[], itself: boolean): string {
  const F = pooled.length + 1;
  const z = g.op(
    "Concat",
    [x, ...pooled].map((v) => g.op("Unsqueeze", [v, g.ints([1])])),
    { axis: 1 },
  );
  const zz = g.op("MatMul", [z, g.op("Transpose", [z], { perm: [0, 2, 1] })]);
  const flat = g.op("Reshape", [zz, g.ints([-1, F * F])]);
  const pairs: number[] = [];
  for (let i = 0; i < F; i++) for (let k = 0; k <= (itself ? i : i - 1); k++) pairs.push(i * F + k);
  const lower = g.op("Gather", [flat, g.ints(pairs)], { axis: 1 });
  return g.op("Concat", [x, lower], { axis: 1 });
}

/** DCNv2's low-rank cross network over x0: x_{l+1} = x0 * (W_l (V_l x_l) + b_l) + x_l. */
function crossNet(g: OnnxGraphBuilder, state: StateDict, x0: string, m: ModelConfig): string {
  const { layers, rank } = dcnShape(m);
  const N = interactionWidth(m);
  const p = "inter_arch.crossnet";
  let x = x0;
  for (let l = 0; l < layers; l++) {
    const v = tensor(state, `${p}.V_kernels.${l}`, [rank, N]);
    const w = tensor(state, `${p}.W_kernels.${l}`, [N, rank]);
    const b = tensor(state, `${p}.bias.${l}`, [N]);
    const u = g.op("Gemm", [x, g.floats(v.name, [rank, N], v.data)], { transB: 1 });
    const y = g.op("Gemm", [u, g.floats(w.name, [N, rank], w.data), g.floats(b.name, [N], b.data)], { transB: 1 });
    x = g.op("Add", [g.op("Mul", [x0, y]), x]);
  }
  return x;
}

/**
 * Encodes the model of `opts.model` with the weights `state` as an ONNX ModelProto. Inputs:
 * dense float32 [B, bottomMlp[0]] (already log(max(x,0)+1) for Criteo), per table t
 * indices_t int64 [NNZ_t] and offsets_t int64 [B]; output probabilities float32 [B].
 */
export function dlrmToOnnx(state: StateDict, opts: OnnxExportOptions): Uint8Array {
  const m = opts.model;
  const D = m.embeddingDim;
  const g = new OnnxGraphBuilder();
  const batch: Dim = "batch";
  const act = m.activation === "sigmoid" ? "Sigmoid" : "Relu";
  const dense = g.input(ONNX_DENSE, "float", [batch, m.bottomMlp[0]!]);
  const x = mlp(g, state, "bot_l", dense, m.bottomMlp, false, act);
  const pooled = m.tableRows.map((rows, t) => {
    const w = tensor(state, `emb_l.${t}.weight`, [rows, D]);
    const indices = g.input(onnxIndices(t), "int64", [`nnz_${t}`]);
    const offsets = g.input(onnxOffsets(t), "int64", [batch]);
    return embeddingBag(g, g.floats(w.name, [rows, D], w.data), D, indices, offsets);
  });
  let r =
    m.interaction === "dot"
      ? dotInteraction(g, x, pooled, m.interactionItself)
      : g.op("Concat", [x, ...pooled], { axis: 1 });
  if (m.interaction === "dcn") r = crossNet(g, state, r, m);
  const logits = mlp(g, state, "top_l", r, [interactionWidth(m), ...m.topMlp], true, act);
  let p = g.op("Sigmoid", [logits]);
  const t = opts.lossThreshold;
  if (t > 0)
    p = g.op("Clip", [
      p,
      g.floats("clip_min", [], Float32Array.of(t)),
      g.floats("clip_max", [], Float32Array.of(1 - t)),
    ]);
  g.output(ONNX_OUTPUT, g.op("Reshape", [p, g.ints([-1])]), [batch]);
  return g.encode("dlrm", `DLRM (${m.interaction} interaction, ${m.tableRows.length} tables, D ${D})`);
}
