/**
 * DLRM's parameters: their dlrm state_dict names and shapes, seeded host-side
 * initialisation with dlrm's distributions, and strict checking of loaded weights.
 * Tables: uniform(-sqrt(1/n), sqrt(1/n)); Linear n -> m: W ~ N(0, sqrt(2/(m+n))) (m x n),
 * b ~ N(0, sqrt(1/m)). DCNv2 cross layers (TorchRec's): V_l (K x N) and W_l (N x K) ~
 * N(0, sqrt(2/(N+K))) (xavier normal), b_l zeros; learned pooling weights v_W_l.<t> ones
 * (no draws, as torch.ones). Draw order: state_dict order (tables, pooling weights, bottom
 * MLP, cross network, top MLP; W then b).
 */
import { dcnShape, interactionWidth, type ModelConfig } from "../config.js";
import type { StateDict } from "../checkpoint/safetensors.js";
import { Rng } from "../util/rng.js";
import { physicalTableSpecs } from "./embedding-variant.js";

export interface ParameterSpec {
  /**
   * dlrm state_dict name: emb_l.<t>.weight, bot_l.<2i>.weight|bias, top_l.<2i>.weight|bias;
   * the cross network's TorchRec names inter_arch.crossnet.V_kernels.<l> | W_kernels.<l> | bias.<l>;
   * v_W_l.<t> the learned pooling weights (rows).
   */
  name: string;
  shape: number[];
  kind: "table" | "weight" | "bias" | "zeros" | "ones";
  /** Uniform(lo, hi) initial values instead of the kind's distribution (QR tables, MD projections). */
  bound?: [number, number];
}

/** Widths of every linear layer: bottom as given, top with the interaction width prepended. */
export function mlpLayers(m: ModelConfig): { bottom: number[]; top: number[] } {
  return { bottom: m.bottomMlp, top: [interactionWidth(m), ...m.topMlp] };
}

/** The cross network's parameters in state_dict order (dcn only): V_kernels, W_kernels, bias. */
export function crossSpecs(m: ModelConfig): ParameterSpec[] {
  if (m.interaction !== "dcn") return [];
  const { layers, rank } = dcnShape(m);
  const N = interactionWidth(m);
  const at = (l: number): number[] => Array.from({ length: l }, (_, i) => i);
  const p = "inter_arch.crossnet";
  return [
    ...at(layers).map((l) => ({ name: `${p}.V_kernels.${l}`, shape: [rank, N], kind: "weight" as const })),
    ...at(layers).map((l) => ({ name: `${p}.W_kernels.${l}`, shape: [N, rank], kind: "weight" as const })),
    ...at(layers).map((l) => ({ name: `${p}.bias.${l}`, shape: [N], kind: "zeros" as const })),
  ];
}

/** The learned pooling weights v_W_l.<t> (rows_t each), with `--weighted-pooling learned` only. */
export function poolingWeightSpecs(m: ModelConfig): ParameterSpec[] {
  if (m.weightedPooling !== "learned") return [];
  return m.tableRows.map((rows, t) => ({ name: `v_W_l.${t}`, shape: [rows], kind: "ones" as const }));
}

/** Every parameter in state_dict order (tables, pooling weights, bottom MLP, cross network, top MLP). */
export function parameterSpecs(m: ModelConfig): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  for (const p of physicalTableSpecs(m.tableRows, m.embeddingDim, m.embeddingVariant)) {
    const plain = p.role === "table" && p.bound[0] === -Math.sqrt(1 / p.shape[0]);
    specs.push({
      name: p.name,
      shape: [...p.shape],
      kind: p.role === "table" ? "table" : "weight",
      ...(plain ? {} : { bound: p.bound }),
    });
  }
  specs.push(...poolingWeightSpecs(m));
  const { bottom, top } = mlpLayers(m);
  const linear = (prefix: string, widths: readonly number[]): void => {
    for (let i = 0; i + 1 < widths.length; i++) {
      const n = widths[i]!;
      const out = widths[i + 1]!;
      specs.push({ name: `${prefix}.${2 * i}.weight`, shape: [out, n], kind: "weight" });
      specs.push({ name: `${prefix}.${2 * i}.bias`, shape: [out], kind: "bias" });
    }
  };
  linear("bot_l", bottom);
  specs.push(...crossSpecs(m));
  linear("top_l", top);
  return specs;
}

/** Total number of scalar parameters. */
export function parameterCount(m: ModelConfig): number {
  return parameterSpecs(m).reduce((a, s) => a + s.shape.reduce((x, d) => x * d, 1), 0);
}

/**
 * Draws one parameter's initial values (float64 draws, stored as float32) and hands each to
 * `sink` in state_dict order, so a 3,000,000-row table never needs a second copy.
 */
export function initialiseParameters(
  m: ModelConfig,
  seed: number,
  sink: (spec: ParameterSpec, data: Float32Array) => void,
  wanted: (spec: ParameterSpec) => boolean = () => true,
): void {
  const rng = new Rng(seed, 0);
  for (const spec of parameterSpecs(m)) {
    const size = spec.shape.reduce((a, d) => a * d, 1);
    if (!wanted(spec)) {
      // Drawn all the same and thrown away: the stream must advance as in one process, so
      // every rank's parameters equal one process's.
      if (spec.kind === "table" || spec.bound !== undefined) for (let i = 0; i < size; i++) rng.uniform();
      else if (spec.kind !== "zeros" && spec.kind !== "ones") for (let i = 0; i < size; i++) rng.normal();
      continue;
    }
    const data = new Float32Array(size);
    if (spec.bound !== undefined) {
      const [lo, hi] = spec.bound;
      for (let i = 0; i < size; i++) data[i] = lo + (hi - lo) * rng.uniform();
    } else if (spec.kind === "table") {
      const bound = Math.sqrt(1 / spec.shape[0]!);
      for (let i = 0; i < size; i++) data[i] = -bound + 2 * bound * rng.uniform();
    } else if (spec.kind === "weight") {
      const [out, n] = spec.shape as [number, number];
      const std = Math.sqrt(2 / (out + n));
      for (let i = 0; i < size; i++) data[i] = std * rng.normal();
    } else if (spec.kind === "ones") {
      data.fill(1);
    } else if (spec.kind === "bias") {
      const std = Math.sqrt(1 / spec.shape[0]!);
      for (let i = 0; i < size; i++) data[i] = std * rng.normal();
    }
    sink(spec, data);
  }
}

/** Thrown by `checkStateDict`; `problems` lists every missing, extra and mis-shaped tensor. */
export class StateDictMismatchError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} does not match the model:\n  ${problems.join("\n  ")}`);
    this.name = "StateDictMismatchError";
  }
}

/** Strict check of loaded weights against the model: one error listing every mismatch. */
export function checkStateDict(m: ModelConfig, weights: StateDict, source: string): void {
  const problems: string[] = [];
  const specs = parameterSpecs(m);
  const expected = new Set(specs.map((s) => s.name));
  for (const s of specs) {
    const w = weights.get(s.name);
    if (w === undefined) problems.push(`missing tensor ${s.name} [${s.shape.join(", ")}]`);
    else if (w.shape.length !== s.shape.length || w.shape.some((d, i) => d !== s.shape[i])) {
      problems.push(`tensor ${s.name} has shape [${w.shape.join(", ")}], the model needs [${s.shape.join(", ")}]`);
    }
  }
  for (const name of weights.keys()) if (!expected.has(name)) problems.push(`unexpected tensor ${name}`);
  if (problems.length > 0) throw new StateDictMismatchError(source, problems);
}
