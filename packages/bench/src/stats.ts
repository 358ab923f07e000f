/**
 * Summary statistics of timing samples: the median and the spread (min, quartiles, max)
 * that every benchmark row reports, and the tinybench wrapper that collects the samples
 * (a fixed number of iterations after a fixed number of warm-up iterations).
 */
import { Bench } from "tinybench";

/** Median and spread of one measurement, in milliseconds. */
export interface Timing {
  medianMs: number;
  minMs: number;
  p25Ms: number;
  p75Ms: number;
  maxMs: number;
  samples: number;
}

/** Linear-interpolated quantile q in [0, 1] of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median, quartiles and extremes of `samples` (ms); NaN everywhere when there are none. */
export function summarize(samples: readonly number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return {
    medianMs: quantile(s, 0.5),
    minMs: s[0] ?? Number.NaN,
    p25Ms: quantile(s, 0.25),
    p75Ms: quantile(s, 0.75),
    maxMs: s[s.length - 1] ?? Number.NaN,
    samples: s.length,
  };
}

/** How many times to run a measured function. */
export interface Repeats {
  iterations: number;
  warmup: number;
}

/**
 * Times `fn` with tinybench: `warmup` unmeasured calls, then exactly `iterations` measured
 * ones (time budget 0, so the count decides); an error thrown by `fn` is rethrown.
 */
export async function timeIt(name: string, fn: () => Promise<void>, r: Repeats): Promise<number[]> {
  const bench = new Bench({
    time: 0,
    iterations: r.iterations,
    warmupTime: 0,
    warmupIterations: r.warmup,
    throws: true,
  });
  bench.add(name, async () => {
    await fn();
  });
  if (r.warmup > 0) await bench.warmup();
  await bench.run();
  const task = bench.tasks[0]!;
  if (task.result?.error !== undefined) throw task.result.error;
  return [...(task.result?.samples ?? [])];
}
