/**
 * Benchmark bookkeeping shared by the bench scripts: the median of tinybench samples,
 * GFLOP/s of a GEMM (2 M N K flops per call), a plain-text table, and the JSON record
 * written with `--json FILE`.
 */
import { availableParallelism, cpus } from "node:os";

/** Median of samples (ms); NaN when there are none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** GFLOP/s of an M x N x K product taking `ms` milliseconds. */
export function gflops(m: number, n: number, k: number, ms: number): number {
  return (2 * m * n * k) / (ms * 1e6);
}

/** Where the figures come from (they mean little without it). */
export function machine(): { cpu: string; cores: number; node: string } {
  return { cpu: cpus()[0]?.model ?? "unknown", cores: availableParallelism(), node: process.version };
}

/** Left-aligned first column, right-aligned others, separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
