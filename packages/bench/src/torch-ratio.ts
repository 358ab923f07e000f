/**
 * The arithmetic of "x PyTorch": a row's ms against PyTorch's, both as the ratio of the
 * medians over rounds and as the median of the per-round ratios (rounds interleave PyTorch
 * and our backends, so a per-round ratio compares runs made under the same machine load).
 */
import { median } from "./report.js";
import type { TorchRatio } from "./types.js";

/**
 * Ratios of `rowRoundsMs` (this row's median per round) to `torchRoundsMs` (PyTorch's per
 * round, null where it failed); null when PyTorch has no round. Per-round ratios use only
 * rounds where both ran.
 */
export function torchRatio(
  rowRoundsMs: readonly number[],
  torchRoundsMs: readonly (number | null)[],
): TorchRatio | null {
  const torch = torchRoundsMs.filter((x): x is number => x !== null);
  if (torch.length === 0 || rowRoundsMs.length === 0) return null;
  const perRound = rowRoundsMs.flatMap((ms, i) => {
    const t = torchRoundsMs[i];
    return t === null || t === undefined ? [] : [ms / t];
  });
  return {
    ofMedians: median(rowRoundsMs) / median(torch),
    medianOfRounds: perRound.length > 0 ? median(perRound) : Number.NaN,
  };
}
