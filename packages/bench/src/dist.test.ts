/**
 * `dlrm bench --world-size` without MPI or python: the parsers of torch_dlrm_dist.py's output
 * and dist-step.js's JSON line, dist-step's command line, a whole run with injected fake
 * runners (rounds interleaved per N with PyTorch first, ratios per N from the rows' own round
 * medians, a failed job reported and not retried), the text table, --compare of the new rows,
 * and the child time limit (a job past it is killed with a clear error).
 */
import { describe, expect, it } from "vitest";
import { planForSource, type BackendFactory } from "@dlrm/core";
import { BENCH_CONFIGS } from "./configs.js";
import { compareReports } from "./compare.js";
import {
  defaultThreadsFor,
  DIST_STEP_KIND,
  JobTimeoutError,
  parseDistStepLine,
  parseTorchDist,
  runChild,
  runDistBench,
  type DistJob,
  type DistStepRunner,
  type DistTorchRunner,
} from "./dist-run.js";
import { overlapOf, parseDistStepArgs, shardKindCounts } from "./dist-step.js";
import { median } from "./report.js";
import { summarize } from "./stats.js";
import { renderDistHtml } from "./html-dist.js";
import { renderHtml } from "./html-report.js";
import { drawnSegments } from "./testing/chart-marks.js";
import { formatBench } from "./text-report.js";
import type { DistStepResult } from "./types.js";

const TORCH_OUT = `it 1: 36.10 ms, loss 0.711220
it 2: 35.31 ms, loss 0.629453
phases_ms emb_fwd=0.922 a2a_fwd=0.616 mlp_fwd=4.290 bwd=9.503 a2a_bwd=0.700 allreduce=6.024 opt=8.593
world_size=2 threads=1 median_ms_per_it=34.632
`;

describe("parseTorchDist", () => {
  it("reads the final line and rank 0's phases", () => {
    expect(parseTorchDist(TORCH_OUT)).toEqual({
      worldSize: 2,
      threads: 1,
      medianMs: 34.632,
      phasesMs: {
        emb_fwd: 0.922,
        a2a_fwd: 0.616,
        mlp_fwd: 4.29,
        bwd: 9.503,
        a2a_bwd: 0.7,
        allreduce: 6.024,
        opt: 8.593,
      },
    });
  });

  it("takes the last final line, and has no phases when their line is missing", () => {
    expect(
      parseTorchDist("world_size=1 threads=2 median_ms_per_it=9\nworld_size=1 threads=2 median_ms_per_it=7.5\n"),
    ).toEqual({ worldSize: 1, threads: 2, medianMs: 7.5, phasesMs: {} });
  });

  it("gives undefined without a valid final line", () => {
    expect(parseTorchDist("Traceback (most recent call last):\n  ...\n")).toBeUndefined();
    expect(parseTorchDist("world_size=2 threads=1 median_ms_per_it=0\n")).toBeUndefined();
    expect(parseTorchDist(TORCH_OUT.replace(/^world_size.*$/m, ""))).toBeUndefined();
  });
});

function result(over: Partial<DistStepResult> = {}): DistStepResult {
  const samplesMs = over.samplesMs ?? [3, 1, 2];
  return {
    kind: DIST_STEP_KIND,
    config: "tiny",
    backend: "fake",
    device: "fake device",
    mode: "eager",
    worldSize: 2,
    threads: 1,
    iterations: samplesMs.length,
    warmup: 0,
    samplesMs,
    timing: summarize(samplesMs),
    phases: { uploadMs: 0.1, forwardMs: 0.5, backwardUpdateMs: 1.2 },
    allToAllMs: 0.3,
    allToAllBytes: 2048,
    allReduceMs: 0.4,
    allReduceBytes: 2280,
    allToAllBusyMs: 0.5,
    allReduceBusyMs: 1.6,
    overlapMedian: 0.6,
    overlapOverall: 0.65,
    allToAllOverlap: 0.4,
    allReduceOverlap: 0.75,
    sharding: "row",
    shardKinds: { row: 2 },
    ...over,
  };
}

describe("parseDistStepLine", () => {
  it("finds rank 0's JSON line among other output", () => {
    const r = result();
    const stdout = `some banner\n{"not": "ours"}\n${JSON.stringify(r)}\ntrailing words\n`;
    expect(parseDistStepLine(stdout)).toEqual(r);
  });

  it("gives undefined without one (error output, other JSON, broken JSON)", () => {
    expect(parseDistStepLine("dist-step: error: rank 1: boom\n")).toBeUndefined();
    expect(parseDistStepLine('{"kind":"dlrm-bench"}\n')).toBeUndefined();
    expect(parseDistStepLine(`${JSON.stringify(result()).slice(0, 40)}\n`)).toBeUndefined();
  });
});

describe("dist-step's command line", () => {
  it("parses every flag with defaults", () => {
    expect(parseDistStepArgs(["--config", "tiny", "--backend", "wasm"])).toEqual({
      config: "tiny",
      backend: "wasm",
      mode: "eager",
      dtype: "fp32",
      iterations: 20,
      warmup: 3,
      threads: 0,
      timeoutMs: 0,
      sharding: "auto",
    });
    expect(
      parseDistStepArgs([
        "--config",
        "kaggle",
        "--backend",
        "gaudi",
        "--mode",
        "lazy",
        "--iterations",
        "5",
        "--warmup",
        "0",
        "--threads",
        "1",
        "--timeout-ms",
        "9000",
        "--sharding",
        "row",
      ]),
    ).toEqual({
      config: "kaggle",
      backend: "gaudi",
      mode: "lazy",
      dtype: "fp32",
      iterations: 5,
      warmup: 0,
      threads: 1,
      timeoutMs: 9000,
      sharding: "row",
    });
  });

  it("refuses what it cannot run, naming the flag", () => {
    expect(() => parseDistStepArgs(["--config", "huge", "--backend", "wasm"])).toThrow(
      /--config: expected one of tiny, small, kaggle, medium, dlrmv2, got huge/,
    );
    expect(() => parseDistStepArgs(["--config", "tiny"])).toThrow(/--backend/);
    expect(() => parseDistStepArgs(["--config", "tiny", "--backend", "wasm", "--iterations", "0"])).toThrow(
      /--iterations: expected an integer >= 1/,
    );
    expect(() => parseDistStepArgs(["--config", "tiny", "--backend", "wasm", "--mode", "fast"])).toThrow(/--mode/);
    expect(() => parseDistStepArgs(["--config", "tiny", "--backend", "wasm", "--sharding", "diagonal"])).toThrow(
      /--sharding: expected one of auto, table, row, column, replicated, got "diagonal"/,
    );
  });
});

const factory = (name: string, reason?: string): BackendFactory => ({
  name,
  unavailableReason: () => Promise.resolve(reason),
  create: () => Promise.reject(new Error("not used")),
});

/** Fake runners that log the order of jobs. */
function fakes(torchMs: Record<number, number[]>, failOn?: (j: DistJob) => boolean) {
  const log: string[] = [];
  const count = new Map<string, number>();
  const runner: DistStepRunner = {
    unavailableReason: () => Promise.resolve(undefined),
    run(job) {
      const key = `${job.backend} N=${job.worldSize}`;
      log.push(key);
      if (failOn?.(job) === true) return Promise.reject(new Error("rank 1: out of memory"));
      const k = count.get(key) ?? 0;
      count.set(key, k + 1);
      const base = job.worldSize * 10 + k;
      return Promise.resolve(
        result({
          backend: job.backend,
          worldSize: job.worldSize,
          threads: job.threads,
          samplesMs: [base, base + 1, base + 2],
          allToAllBytes: job.worldSize === 1 ? 0 : 4096,
          allToAllMs: job.worldSize === 1 ? 0 : 0.3,
          sharding: job.sharding,
          shardKinds: job.worldSize === 1 ? { table: 2 } : { row: 2 },
          ...(job.worldSize === 1
            ? {
                allToAllBusyMs: 0,
                allReduceBusyMs: 0,
                overlapMedian: null,
                overlapOverall: null,
                allToAllOverlap: null,
                allReduceOverlap: null,
              }
            : { overlapMedian: 0.5 + k / 10, overlapOverall: 0.4 + k / 10 }),
        }),
      );
    },
  };
  const torchCalls = new Map<number, number>();
  const torch: DistTorchRunner = {
    command: "fake torch",
    unavailableReason: () => undefined,
    run(_c, n) {
      log.push(`pytorch N=${n}`);
      const k = torchCalls.get(n) ?? 0;
      torchCalls.set(n, k + 1);
      return Promise.resolve({
        worldSize: n,
        threads: 1,
        medianMs: torchMs[n]![k]!,
        phasesMs: { a2a_fwd: 1, a2a_bwd: 2, allreduce: 3 },
      });
    },
  };
  return { log, runner, torch };
}

describe("runDistBench with fake runners", () => {
  it("interleaves rounds (per N: PyTorch, then every backend), and gives each row its ratio at its N", async () => {
    const f = fakes({ 1: [5, 10], 2: [40, 20] });
    const r = await runDistBench({
      config: BENCH_CONFIGS.tiny!,
      precision: "fp32",
      factories: [factory("a"), factory("b"), factory("gone", "not built")],
      modes: ["eager"],
      worldSizes: [1, 2],
      iterations: 3,
      warmup: 0,
      rounds: 2,
      sharding: "column",
      torch: f.torch,
      runner: f.runner,
    });
    expect(f.log).toEqual([
      "pytorch N=1",
      "a N=1",
      "b N=1",
      "pytorch N=2",
      "a N=2",
      "b N=2",
      "pytorch N=1",
      "a N=1",
      "b N=1",
      "pytorch N=2",
      "a N=2",
      "b N=2",
    ]);
    const d = r.distributed!;
    expect(d.worldSizes).toEqual([1, 2]);
    expect(d.rows.map((s) => `${s.backend} ${s.worldSize}`)).toEqual(["a 1", "b 1", "a 2", "b 2"]);
    const a2 = d.rows[2]!;
    // Round medians 21 and 22, PyTorch's 40 and 20.
    expect(a2.roundsMs).toEqual([21, 22]);
    expect(a2.timing.medianMs).toBe(21.5);
    expect(a2.timing.samples).toBe(6);
    expect(a2.threads).toBe(defaultThreadsFor(2));
    expect(a2.vsTorch!.ofMedians).toBeCloseTo(21.5 / 30, 12);
    expect(a2.vsTorch!.medianOfRounds).toBeCloseTo(median([21 / 40, 22 / 20]), 12);
    expect(a2.allToAllBytes).toBe(4096);
    // The plan and the overlap: the jobs' sharding, medians over rounds; none at N = 1.
    expect(d.sharding).toBe("column");
    expect(d.rows.map((s) => s.sharding)).toEqual(["column", "column", "column", "column"]);
    expect(a2.shardKinds).toEqual({ row: 2 });
    expect(d.rows[0]!.shardKinds).toEqual({ table: 2 });
    expect(a2.overlapMedian).toBeCloseTo(0.55, 12);
    expect(a2.overlapOverall).toBeCloseTo(0.45, 12);
    expect(a2.allToAllOverlap).toBeCloseTo(0.4, 12);
    expect(a2.allToAllBusyMs).toBe(0.5);
    expect(a2.allReduceBusyMs).toBe(1.6);
    expect(d.rows[0]!.overlapMedian).toBeNull();
    expect(d.rows[0]!.overlapOverall).toBeNull();
    expect(d.torch).toEqual([
      {
        worldSize: 1,
        status: "ran",
        command: "fake torch",
        roundsMs: [5, 10],
        medianMs: 7.5,
        threads: 1,
        phasesMs: { a2a_fwd: 1, a2a_bwd: 2, allreduce: 3 },
      },
      {
        worldSize: 2,
        status: "ran",
        command: "fake torch",
        roundsMs: [40, 20],
        medianMs: 30,
        threads: 1,
        phasesMs: { a2a_fwd: 1, a2a_bwd: 2, allreduce: 3 },
      },
    ]);
    expect(r.backends.map((b) => `${b.name} ${b.status}`)).toEqual(["gone skipped", "a ran", "b ran"]);
    expect(r.steps).toEqual([]);
    expect(d.failures).toEqual([]);
    const text = formatBench(r);
    expect(text).toMatch(/^dlrm bench --world-size 1,2: config tiny \(global batch 32\)/);
    expect(text).toMatch(
      /^backend\s+mode\s+N\s+threads\/rank\s+ms\/step\s+min-max\s+samples\/s\s+all-to-all waited\/busy ms \(bytes\)\s+all-reduce waited\/busy ms \(bytes\)\s+overlap med\/all\s+plan \(tables\)\s+PyTorch ms\/step at N\s+x PyTorch\s+x PyT\/round\s+per round$/m,
    );
    expect(text).toMatch(
      /^pytorch\s+eager\s+2\s+1\s+30\.00 .*3\.00 \(rank 0\)\s+3\.00 \(rank 0\)\s+0 \(synchronous\)\s+table slices\s+30\.00\s+1\.00\s+1\.00\s+40\.0 20\.0$/m,
    );
    expect(text).toMatch(
      /^a\s+eager\s+2\s+1\s+21\.50\s+20\.00-23\.00\s+\d+\s+0\.30\/0\.50 \(4\.0 KiB\)\s+0\.40\/1\.60 \(2\.2 KiB\)\s+0\.55\/0\.45\s+row 2\s+30\.00\s+0\.72\s+0\.81\s+21\.0 22\.0$/m,
    );
    expect(text).toMatch(/^a\s+eager\s+1\s+default\s+.*\s+-\s+0\.40\/0\.00 \(2\.2 KiB\)\s+-\s+table 2\s/m);
    expect(text).toMatch(/^sharding: ours --sharding column \(plan column: tables per kind\); PyTorch table-wise/m);
  });

  it("--html draws ms/step and the collectives per N and tables the overlap and plan", async () => {
    const f = fakes({ 1: [5], 2: [40] });
    const r = await runDistBench({
      config: BENCH_CONFIGS.tiny!,
      precision: "fp32",
      factories: [factory("a")],
      modes: ["eager"],
      worldSizes: [1, 2],
      iterations: 3,
      warmup: 0,
      sharding: "row",
      torch: f.torch,
      runner: f.runner,
    });
    const html = await renderHtml(r);
    expect(html).toBe(await renderDistHtml(r));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:|<script/);
    // ms/step: PyTorch and a at N = 1 and 2; collectives: a at N = 2 (four segments).
    expect(drawnSegments(html, "dist-ms-per-step")).toHaveLength(4);
    expect(drawnSegments(html, "dist-ms-per-step").map((b) => b.value)).toContain(40);
    expect(drawnSegments(html, "dist-collectives")).toHaveLength(4);
    expect(drawnSegments(html, "dist-collectives").map((b) => b.name)).toContain("N=2 a eager all-reduce hidden");
    expect(html).toContain("<td>row: row 2</td>");
    expect(html).toContain('<td class="num">0.50</td><td class="num">0.40</td>');
    await expect(renderDistHtml({ ...r, distributed: undefined })).rejects.toThrow(/no --world-size section/);
  });

  it("reports a failed job with its error and does not run it again", async () => {
    const f = fakes({ 2: [30, 30] }, (j) => j.backend === "b");
    const r = await runDistBench({
      config: BENCH_CONFIGS.tiny!,
      precision: "fp32",
      factories: [factory("a"), factory("b")],
      modes: ["eager"],
      worldSizes: [2],
      iterations: 3,
      warmup: 0,
      rounds: 2,
      torch: f.torch,
      runner: f.runner,
    });
    expect(f.log.filter((x) => x === "b N=2")).toHaveLength(1);
    expect(r.distributed!.failures).toEqual(["b (eager) N=2, round 1: rank 1: out of memory"]);
    expect(r.backends.find((b) => b.name === "b")).toMatchObject({
      status: "failed",
      reason: "b (eager) N=2, round 1: rank 1: out of memory",
    });
    expect(formatBench(r)).toMatch(/^FAILED: b \(eager\) N=2, round 1: rank 1: out of memory$/m);
  });

  it("measures without PyTorch, saying why, and refuses a world size that cannot run before running anything", async () => {
    const f = fakes({});
    const none: DistTorchRunner = {
      command: "none",
      unavailableReason: () => "--torch none",
      run: () => Promise.reject(new Error("no")),
    };
    const r = await runDistBench({
      config: BENCH_CONFIGS.tiny!,
      precision: "fp32",
      factories: [factory("a")],
      modes: ["eager"],
      worldSizes: [1, 2],
      iterations: 3,
      warmup: 0,
      torch: none,
      runner: f.runner,
    });
    expect(r.distributed!.torch.map((t) => t.status)).toEqual(["not-measured", "not-measured"]);
    expect(r.distributed!.sharding).toBe("auto");
    expect(r.distributed!.rows.map((s) => s.sharding)).toEqual(["auto", "auto"]);
    expect(r.distributed!.rows.every((s) => s.vsTorch === null)).toBe(true);
    expect(formatBench(r)).toContain("PyTorch not measured: --torch none");
    const noMpi: DistStepRunner = {
      unavailableReason: (n) => Promise.resolve(n > 1 ? "no mpirun on PATH" : undefined),
      run: f.runner.run,
    };
    await expect(
      runDistBench({
        config: BENCH_CONFIGS.tiny!,
        precision: "fp32",
        factories: [factory("a")],
        modes: ["eager"],
        worldSizes: [1, 2],
        iterations: 1,
        warmup: 0,
        runner: noMpi,
      }),
    ).rejects.toThrow(/--world-size 2 cannot run here: no mpirun on PATH/);
    await expect(
      runDistBench({
        config: BENCH_CONFIGS.tiny!,
        precision: "fp32",
        factories: [factory("a")],
        modes: ["eager"],
        worldSizes: [3],
        iterations: 1,
        warmup: 0,
        runner: f.runner,
      }),
    ).rejects.toThrow(/batch 32 does not divide evenly over 3 ranks/);
  });

  it("--compare matches the rows by backend, mode and N (and PyTorch's per N)", async () => {
    const a = await runDistBench({
      config: BENCH_CONFIGS.tiny!,
      precision: "fp32",
      factories: [factory("a")],
      modes: ["eager"],
      worldSizes: [1, 2],
      iterations: 3,
      warmup: 0,
      torch: fakes({ 1: [4], 2: [8] }).torch,
      runner: fakes({}).runner,
    });
    const { rows, unmatched } = compareReports(a, a);
    expect(rows.map((x) => x.key).sort()).toEqual([
      "dist tiny a eager N=1",
      "dist tiny a eager N=2",
      "dist tiny pytorch N=1",
      "dist tiny pytorch N=2",
    ]);
    expect(rows.every((x) => x.ratio === 1)).toBe(true);
    expect(unmatched).toEqual([]);
  });
});

describe("runChild", () => {
  it("collects a child's output and status", async () => {
    const r = await runChild(process.execPath, ["-e", "console.log('hi'); process.exit(3)"], {
      timeoutMs: 20_000,
      what: "echo",
    });
    expect(r.stdout).toBe("hi\n");
    expect(r.status).toBe(3);
  });

  it("kills a child past its time limit and says so", async () => {
    const t0 = performance.now();
    const p = runChild(process.execPath, ["-e", "console.log('started'); setTimeout(() => {}, 60000)"], {
      timeoutMs: 500,
      what: "the sleeper",
    });
    await expect(p).rejects.toThrow(JobTimeoutError);
    await expect(p).rejects.toThrow(
      /^the sleeper did not finish within 0.5 s and was killed .*; last output: started$/,
    );
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe("dist-step's plan and overlap figures", () => {
  it("counts the plan's tables per kind (one process: every table table-wise)", () => {
    const plan = planForSource(BENCH_CONFIGS.kaggle!.train, { maxIndicesPerBag: 8 }, 2, { sharding: "row" });
    expect(shardKindCounts(plan, 26)).toEqual({ row: 26 });
    expect(shardKindCounts(undefined, 26)).toEqual({ table: 26 });
    const medium = planForSource(BENCH_CONFIGS.medium!.train, { maxIndicesPerBag: 38 }, 4, { sharding: "auto" });
    expect(shardKindCounts(medium, 1)).toEqual({ [medium.placements[0]!.kind]: 1 });
  });

  it("overlap is 1 - waited / running in [0, 1], null when nothing ran", () => {
    expect(overlapOf(1, 4)).toBe(0.75);
    expect(overlapOf(0, 4)).toBe(1);
    expect(overlapOf(5, 4)).toBe(0);
    expect(overlapOf(0, 0)).toBeNull();
    expect(overlapOf(Number.NaN, Number.NaN)).toBeNull();
  });
});
