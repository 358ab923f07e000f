/**
 * FLOPs of one DLRM training step, counted from the configuration: 2 M N K per GEMM, for
 * each MLP layer the forward product and both backward products (weight gradient and input
 * gradient; the first bottom layer has no input gradient), and with dcn each cross layer's
 * two GEMMs (V: B x K x N, W: B x N x K) the same way. Element-wise ops, embedding bags and
 * the dot/cat interaction are not counted: GFLOP/s here means GEMM work per second.
 */
import { dcnShape, interactionWidth, mlpLayers, type TrainConfig } from "@dlrm/core";

/** One MLP layer's forward GEMM shape: M = batch, N = out features, K = in features. */
export interface LayerGemm {
  name: string;
  m: number;
  n: number;
  k: number;
}

/** Forward GEMM shapes of every MLP layer and cross layer, bottom, cross network, top (names as in the state dict). */
export function layerGemms(cfg: TrainConfig): LayerGemm[] {
  const { bottom, top } = mlpLayers(cfg.model);
  const out: LayerGemm[] = [];
  const mlp = (prefix: string, widths: readonly number[]): void => {
    for (let i = 0; i + 1 < widths.length; i++)
      out.push({ name: `${prefix}.${2 * i}`, m: cfg.batchSize, n: widths[i + 1]!, k: widths[i]! });
  };
  mlp("bot_l", bottom);
  if (cfg.model.interaction === "dcn") {
    const { layers, rank } = dcnShape(cfg.model);
    const n = interactionWidth(cfg.model);
    for (let l = 0; l < layers; l++) {
      out.push({ name: `inter_arch.crossnet.V_kernels.${l}`, m: cfg.batchSize, n: rank, k: n });
      out.push({ name: `inter_arch.crossnet.W_kernels.${l}`, m: cfg.batchSize, n, k: rank });
    }
  }
  mlp("top_l", top);
  return out;
}

/** FLOPs of one training step's GEMMs (forward + weight gradient + input gradient except the first layer's). */
export function stepFlops(cfg: TrainConfig): number {
  return layerGemms(cfg).reduce((sum, g, i) => sum + (i === 0 ? 2 : 3) * 2 * g.m * g.n * g.k, 0);
}

/** GFLOP/s of `flops` done in `ms` milliseconds. */
export function gflopsOf(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}
