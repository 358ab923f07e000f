/**
 * PyTorch beside `dlrm bench`, with no python: the "x PyTorch" arithmetic (ratio of medians,
 * median of per-round ratios, failed rounds), a whole tiny run on the reference backend with an
 * injected fake runner (rounds interleaved, ratios from the rows' own round medians), the
 * unavailable path (a reason line, not a failure) and the real runner's checks that need no python.
 */
import { describe, expect, it } from "vitest";
import { referenceBackendFactory } from "@dlrm/core";
import { BENCH_CONFIGS, type BenchConfig } from "./configs.js";
import { median } from "./report.js";
import { runBench } from "./run-bench.js";
import { formatBench } from "./text-report.js";
import { renderHtml } from "./html-report.js";
import { noTorch, parseTorchMedian, pythonTorchRunner, type TorchRunner } from "./torch-runner.js";
import { torchRatio } from "./torch-ratio.js";

describe("torchRatio", () => {
  it("gives the ratio of the medians and the median of per-round ratios", () => {
    const r = torchRatio([2, 4, 3], [1, 2, 1]);
    expect(r!.ofMedians).toBe(3);
    expect(r!.medianOfRounds).toBe(2);
  });

  it("pairs only the rounds where PyTorch ran", () => {
    const r = torchRatio([2, 4, 9], [1, null, 3]);
    expect(r!.ofMedians).toBe(4 / 2);
    expect(r!.medianOfRounds).toBe((2 + 3) / 2);
  });

  it("is null without a PyTorch round", () => {
    expect(torchRatio([1, 2], [])).toBeNull();
    expect(torchRatio([1, 2], [null, null])).toBeNull();
  });
});

describe("the PyTorch runner", () => {
  it("reads the median line", () => {
    expect(parseTorchMedian("it 1: 2.0 ms\nmedian_ms_per_it=1.934\n")).toBe(1.934);
    expect(parseTorchMedian("Traceback ...")).toBeUndefined();
  });

  it("says why it cannot run when the script is missing", () => {
    const r = pythonTorchRunner("/nonexistent/torch_dlrm_bench.py");
    expect(r.unavailableReason()).toMatch(/\/nonexistent\/torch_dlrm_bench\.py not found/);
    expect(noTorch("--torch none").unavailableReason()).toBe("--torch none");
  });
});

/** A fake PyTorch: returns `ms` in turn (null: throws), and records its calls. */
function fakeTorch(
  ms: (number | null)[],
  reason?: string,
): TorchRunner & { calls: { config: string; iterations: number; warmup: number }[] } {
  const calls: { config: string; iterations: number; warmup: number }[] = [];
  return {
    command: "fake",
    calls,
    unavailableReason: () => reason,
    run(config: BenchConfig, iterations: number, warmup: number) {
      const v = ms[calls.length];
      calls.push({ config: config.name, iterations, warmup });
      return v === null || v === undefined ? Promise.reject(new Error("boom")) : Promise.resolve(v);
    },
  };
}

const run = (torch: TorchRunner, rounds: number) =>
  runBench({
    config: BENCH_CONFIGS.tiny!,
    precision: "fp32",
    factories: [referenceBackendFactory],
    modes: ["eager", "lazy"],
    iterations: 2,
    warmup: 0,
    peakSize: 0,
    micro: false,
    rounds,
    torch,
  });

describe("runBench beside a fake PyTorch", () => {
  it("runs PyTorch once per round and gives each row its ratios", async () => {
    const torch = fakeTorch([10, 20, 40]);
    const r = await run(torch, 3);
    expect(torch.calls).toEqual([
      { config: "tiny", iterations: 2, warmup: 0 },
      { config: "tiny", iterations: 2, warmup: 0 },
      { config: "tiny", iterations: 2, warmup: 0 },
    ]);
    expect(r.rounds).toBe(3);
    expect(r.torch).toEqual({ status: "ran", command: "fake", roundsMs: [10, 20, 40], medianMs: 20 });
    expect(r.steps.map((s) => s.mode)).toEqual(["eager", "lazy"]);
    for (const s of r.steps) {
      const rounds = s.roundsMs!;
      expect(rounds).toHaveLength(3);
      expect(s.timing.samples).toBe(6);
      expect(s.timing.medianMs).toBe(median(rounds));
      expect(s.vsTorch!.ofMedians).toBeCloseTo(median(rounds) / 20, 12);
      expect(s.vsTorch!.medianOfRounds).toBeCloseTo(median([rounds[0]! / 10, rounds[1]! / 20, rounds[2]! / 40]), 12);
    }
    expect(r.steps[0]!.opSplit).not.toBeNull();
    expect(r.steps[1]!.opSplit).toBeNull();
    const text = formatBench(r);
    expect(text).toMatch(/^PyTorch: 20\.00 ms\/it fp32, median of 3 round\(s\) \(fake\)/m);
    expect(text).toMatch(/^pytorch\s+eager\s+20\.00\s+10\.00-40\.00 .* 1\.00\s+1\.00\s+10\.0 20\.0 40\.0$/m);
    expect(text).toMatch(/^backend .*x PyTorch\s+x PyT\/round\s+per round$/m);
    expect(await renderHtml(r)).toContain("pytorch (fp32)");
  });

  it("keeps the rounds PyTorch ran when one fails, and says so", async () => {
    const r = await run(fakeTorch([null, 8]), 2);
    expect(r.torch).toMatchObject({ status: "ran", roundsMs: [null, 8], medianMs: 8 });
    expect(r.torch!.reason).toMatch(/round 1: boom/);
    const s = r.steps[0]!;
    expect(s.vsTorch!.medianOfRounds).toBeCloseTo(s.roundsMs![1]! / 8, 12);
    expect(r.backends.find((b) => b.name === "reference")!.status).toBe("ran");
  });

  it("reports PyTorch as not measured, with the reason, when it cannot run", async () => {
    const torch = fakeTorch([1], "no torch here");
    const r = await run(torch, 1);
    expect(torch.calls).toEqual([]);
    expect(r.torch).toEqual({ status: "not-measured", reason: "no torch here", roundsMs: [], medianMs: null });
    for (const s of r.steps) expect(s.vsTorch).toBeNull();
    const text = formatBench(r);
    expect(text).toContain("PyTorch not measured: no torch here");
    expect(text).not.toMatch(/^backend .*x PyTorch/m);
    expect(text).not.toMatch(/^pytorch /m);
    expect(r.backends.map((b) => b.status)).toEqual(["ran"]);
  });
});
