/**
 * FLOPs of one DLRM training step, counted from the configuration: 2 M N K per GEMM, for
 * each MLP layer the forward product and both backward products (weight gradient and input
 * gradient; the first bottom layer has no input gradient). Element-wise ops, embedding bags
 * and the interaction are not counted: GFLOP/s here means GEMM work per second.
 */
import { mlpLayers, type TrainConfig } from "@dlrm/core";

/** One MLP layer's forward GEMM shape: M = batch, N = out features, K = in features. */
export interface LayerGemm {
  name: string;
  m: number;
  n: number;
  k: number;
}

/** Forward GEMM shapes of every MLP layer, bottom then top (names as in dlrm's state dict). */
export function layerGemms(cfg: TrainConfig): LayerGemm[] {
  const { bottom, top } = mlpLayers(cfg.model);
  const out: LayerGemm[] = [];
  for (const [prefix, widths] of [
    ["bot_l", bottom],
    ["top_l", top],
  ] as const) {
    for (let i = 0; i + 1 < widths.length; i++)
      out.push({ name: `${prefix}.${2 * i}`, m: cfg.batchSize, n: widths[i + 1]!, k: widths[i]! });
  }
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
