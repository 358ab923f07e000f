/**
 * The machine's GEMM peak, measured in the same run as the step figures: a large square
 * fp32 GEMM (N x N x N, A*B and A*B^T, the faster kept: a backend may run them in different
 * libraries) on the native gaudi backend when it is available, otherwise on every available
 * backend but the slow float64 reference (unless it is the only one), keeping the fastest.
 */
import type { BackendFactory, Tensor } from "@dlrm/core";
import { gflopsOf } from "./flops.js";
import { summarize, timeIt, type Repeats } from "./stats.js";
import type { PeakGemm } from "./types.js";

/** Which of the available backends measure the peak. */
export function peakCandidates(available: readonly BackendFactory[]): BackendFactory[] {
  const gaudi = available.filter((f) => f.name === "gaudi");
  if (gaudi.length > 0) return gaudi;
  const fast = available.filter((f) => f.name !== "reference");
  return fast.length > 0 ? fast : [...available];
}

/** Seeded values in [-0.5, 0.5). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/**
 * GFLOP/s of one backend's N x N x N GEMM: the fastest of `r.iterations` calls after the
 * warm-up, for A*B and for A*B^T, keeping the faster. A peak is the best the machine does;
 * on a shared machine the median of a handful of calls can fall far below it and make a
 * step look faster than the peak.
 */
export async function measureGemmPeak(factory: BackendFactory, size: number, r: Repeats): Promise<PeakGemm> {
  const backend = await factory.create({ mode: "eager" });
  try {
    const [a, b, c] = [1, 2, 3].map((seed): Tensor => {
      const t = backend.alloc([size, size], "f32", `peak gemm ${seed}`);
      backend.write(t, seeded(size * size, seed));
      return t;
    }) as [Tensor, Tensor, Tensor];
    let best: PeakGemm | null = null;
    for (const transB of [false, true]) {
      const samples = await timeIt(
        `gemm ${size}^3`,
        async () => {
          backend.gemm({ a, b, c, m: size, n: size, k: size, transA: false, transB, alpha: 1, beta: 0 });
          await backend.sync();
        },
        r,
      );
      const timing = summarize(samples);
      const peak: PeakGemm = {
        backend: factory.name,
        size,
        op: transB ? "nt" : "nn",
        gflops: gflopsOf(2 * size ** 3, timing.minMs),
        timing,
      };
      if (best === null || peak.gflops > best.gflops) best = peak;
    }
    return best!;
  } finally {
    backend.dispose();
  }
}

/** The fastest candidate's peak, or null when no backend is available. */
export async function measurePeak(
  available: readonly BackendFactory[],
  size: number,
  r: Repeats,
): Promise<PeakGemm | null> {
  let best: PeakGemm | null = null;
  for (const f of peakCandidates(available)) {
    const p = await measureGemmPeak(f, size, r);
    if (best === null || p.gflops > best.gflops) best = p;
  }
  return best;
}
