/**
 * End-to-end tests of `dlrm conformance` and `dlrm bench` as child processes of the built
 * CLI: the conformance table on reference and wasm (exit 0), in fp32 and in bf16, a tiny bench
 * smoke run whose --json carries every field (op split included), its --html page, a bf16 run,
 * --compare of two runs, --rounds with a PyTorch script that is not there (a reason line,
 * exit 0; no python runs), and exit 1 when a required backend did not run. No timing is asserted, only that the figures exist and are positive.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url));
const BUILT = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

let dir = "";

function dlrm(args: string[], required = ""): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 110_000,
    env: { ...process.env, DLRM_DEBUG: "", DLRM_REQUIRED_BACKENDS: required },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BUILT))
    throw new Error(`${BUILT} is missing: build the CLI first (npx turbo run build --filter=@dlrm/cli)`);
  dir = mkdtempSync(join(tmpdir(), "dlrm-cli-cb-"));
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("dlrm conformance", () => {
  it("passes on reference and wasm with a row per op and a column per backend", () => {
    const r = dlrm(["conformance", "--backends", "reference,wasm", "--json", "conf.json"]);
    expect(r.stderr).toMatch(/conformance: \d+ fp32 cases on reference, wasm against the reference/);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[1]).toMatch(/^op\s+tolerance\s+reference\s+wasm$/);
    for (const op of [
      "gemm",
      "embeddingBagsForward",
      "interactionBackward",
      "sparseAdagradStep",
      "linearForward",
      "trainingStep",
    ]) {
      expect(
        lines.find((l) => l.startsWith(`${op} `)),
        op,
      ).toMatch(/ self pass yes\s+\S+ pass (yes|no)$/);
    }
    const json = JSON.parse(readFileSync(join(dir, "conf.json"), "utf8")) as {
      passed: boolean;
      backends: { name: string; status: string; compares: string[] }[];
      summary: { op: string }[];
      results: { status: string }[];
      comparisons: { compares: string; counted: boolean; passed: number; failed: number }[];
    };
    const ran = json.results.filter((x) => x.status !== "not-implemented").length;
    expect(ran).toBeGreaterThan(200);
    const counted = json.comparisons.filter((c) => c.counted).reduce((n, c) => n + c.passed, 0);
    expect(lines).toContain(`conformance: passed (${counted} comparisons that could fail, in ${ran} case runs)`);
    expect(json.comparisons.filter((c) => !c.counted).map((c) => c.compares)).toEqual([
      "eager vs float64 reference (the reference itself: not counted)",
      "lazy vs eager, bit for bit (recorded replay: not counted)",
    ]);
    expect(json.backends.find((b) => b.name === "wasm")!.compares).toContain("eager vs float64 reference");
    expect(json.passed).toBe(true);
    expect(json.backends.map((b) => [b.name, b.status])).toEqual([
      ["reference", "ran"],
      ["wasm", "ran"],
    ]);
    expect(json.summary.map((s) => s.op)).toContain("trainingStep");
  });

  it("--dtype bf16 passes on reference and wasm with the bf16 tolerances", () => {
    const r = dlrm(["conformance", "--dtype", "bf16", "--backends", "reference,wasm"]);
    expect(r.stderr).toMatch(/conformance: \d+ bf16 cases on reference, wasm against the reference/);
    expect(r.status).toBe(0);
    for (const op of ["gemm", "linearForward", "interactionForward", "interactionBackward", "trainingStep"]) {
      expect(
        r.stdout.split("\n").find((l) => l.startsWith(`${op} `)),
        op,
      ).toMatch(/ pass yes\s+\S+ pass yes$/);
    }
    expect(r.stdout).not.toMatch(/^embeddingBagsForward /m);
  });

  it("refuses an unknown backend with exit 2", () => {
    const r = dlrm(["conformance", "--backends", "tpu"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dlrm: error: --backends: unknown backend "tpu" \(known: .*reference/);
  });
});

describe("dlrm bench", () => {
  const run = (name: string) =>
    dlrm([
      "bench",
      "--config",
      "tiny",
      "--iterations",
      "3",
      "--warmup",
      "1",
      "--peak-size",
      "128",
      "--torch",
      "none",
      "--json",
      `${name}.json`,
      "--html",
      `${name}.html`,
    ]);

  it("smoke: a tiny run writes JSON with every field, and an HTML page with the charts", () => {
    const r = run("a");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dlrm bench: config tiny \(batch 32/);
    expect(r.stdout).toMatch(/^PyTorch not measured: --torch none$/m);
    expect(r.stdout).toMatch(/^op split \(eager;/m);
    const j = JSON.parse(readFileSync(join(dir, "a.json"), "utf8")) as Record<string, unknown> & {
      steps: Record<string, unknown>[];
      micro: Record<string, unknown>[];
      machine: Record<string, unknown>;
      backends: Record<string, unknown>[];
      peak: Record<string, number>;
    };
    expect(j.kind).toBe("dlrm-bench");
    expect(j.command).toMatch(
      /^node \S*bin\/dlrm\.js bench --config tiny --iterations 3 --warmup 1 --peak-size 128 --torch none --json a\.json --html a\.html$/,
    );
    expect(Object.keys(j.machine).sort()).toEqual(["cores", "cpu", "memoryBytes", "node", "platform"]);
    expect(j).toHaveProperty("commit");
    expect(j.peak.gflops).toBeGreaterThan(0);
    const names = j.backends.filter((b) => b.status === "ran").map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(["reference", "wasm"]));
    for (const b of j.backends) expect(b.version).toMatch(/^@dlrm\/[a-z-]+@\d+\.\d+\.\d+/);
    expect(j.steps.map((s) => `${s.backend} ${s.mode}`)).toEqual(names.flatMap((n) => [`${n} eager`, `${n} lazy`]));
    for (const s of j.steps) {
      expect(Object.keys(s).sort()).toEqual([
        "backend",
        "backendBytes",
        "fractionOfPeak",
        "gflops",
        "maxRssBytes",
        "mode",
        "opSplit",
        "phases",
        "roundsMs",
        "samplesPerSecond",
        "timing",
        "vsTorch",
      ]);
      expect(s.roundsMs).toHaveLength(1);
      expect(s.vsTorch).toBeNull();
      expect(s.opSplit === null).toBe(s.mode === "lazy");
      expect((s.timing as { samples: number }).samples).toBe(3);
      expect(s.samplesPerSecond as number).toBeGreaterThan(0);
      expect(s.maxRssBytes as number).toBeGreaterThan(0);
      expect(s.phases === null).toBe(s.mode === "lazy");
    }
    const ops = new Set(j.micro.map((m) => m.op));
    for (const op of ["gemm", "embeddingBagsForward", "interactionForward", "interactionBackward", "sparseAdagradStep"])
      expect(ops.has(op), op).toBe(true);
    const html = readFileSync(join(dir, "a.html"), "utf8");
    for (const id of ["ms-per-iteration", "time-split", "op-split", "gemm-gflops"])
      expect(html).toContain(`data-chart="${id}"`);
    const eager = j.steps.find((s) => s.backend === "reference" && s.mode === "eager")!.opSplit as {
      categories: { category: string; ms: number; calls: number }[];
      totalMs: number;
    };
    expect(eager.categories.map((c) => c.category)).toEqual([
      "gemm",
      "embedding",
      "interaction",
      "optimizer",
      "data",
      "other",
    ]);
    expect(eager.categories.find((c) => c.category === "gemm")!.calls).toBe(11);
    expect(eager.categories.reduce((a, c) => a + c.ms, 0)).toBeCloseTo(eager.totalMs, 6);
    expect(j.torch).toEqual({ status: "not-measured", reason: "--torch none", roundsMs: [], medianMs: null });
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it("--compare prints the ratio B/A per row of two runs", () => {
    expect(run("b").status).toBe(0);
    const r = dlrm(["bench", "--compare", "a.json", "b.json"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^A: a\.json/);
    expect(r.stdout).toMatch(/^step tiny wasm eager\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
    expect(r.stdout).toMatch(/^micro reference gemm 32x16x13 nt \(bot_l\.0 forward\)\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
  });

  it("--dtype bf16 benchmarks the step in mixed precision and records it", () => {
    const r = dlrm([
      "bench",
      "--config",
      "tiny",
      "--dtype",
      "bf16",
      "--backends",
      "reference,wasm",
      "--iterations",
      "2",
      "--warmup",
      "0",
      "--peak-size",
      "64",
      "--no-micro",
      "--torch",
      "none",
      "--json",
      "bf16.json",
    ]);
    expect(r.status).toBe(0);
    const j = JSON.parse(readFileSync(join(dir, "bf16.json"), "utf8")) as {
      dtype: string;
      steps: { backend: string }[];
      micro: unknown[];
    };
    expect(j.dtype).toBe("bf16");
    expect(j.steps.map((s) => s.backend)).toEqual(["reference", "reference", "wasm", "wasm"]);
    expect(j.micro).toEqual([]);
  });

  it("--rounds 2 with a missing PyTorch script: per-round medians, a reason line, exit 0", () => {
    const r = dlrm([
      "bench",
      "--config",
      "tiny",
      "--backends",
      "reference",
      "--mode",
      "eager",
      "--iterations",
      "2",
      "--warmup",
      "0",
      "--peak-size",
      "0",
      "--no-micro",
      "--no-op-split",
      "--rounds",
      "2",
      "--torch",
      "missing/torch_dlrm_bench.py",
      "--json",
      "rounds.json",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PyTorch not measured: \/.*missing\/torch_dlrm_bench\.py not found/m);
    expect(r.stdout).toMatch(/median of 2 rounds/);
    expect(r.stdout).not.toMatch(/^op split/m);
    const j = JSON.parse(readFileSync(join(dir, "rounds.json"), "utf8")) as {
      rounds: number;
      torch: { status: string };
      steps: { roundsMs: number[]; opSplit: unknown; timing: { samples: number } }[];
    };
    expect(j.rounds).toBe(2);
    expect(j.torch.status).toBe("not-measured");
    expect(j.steps).toHaveLength(1);
    expect(j.steps[0]!.roundsMs).toHaveLength(2);
    expect(j.steps[0]!.timing.samples).toBe(4);
    expect(j.steps[0]!.opSplit).toBeNull();
  });

  it("fails, naming it, when a backend of DLRM_REQUIRED_BACKENDS did not run", () => {
    const args = [
      "bench",
      "--config",
      "tiny",
      "--backends",
      "reference",
      "--mode",
      "eager",
      "--iterations",
      "1",
      "--warmup",
      "0",
      "--peak-size",
      "0",
      "--no-micro",
      "--no-op-split",
      "--torch",
      "none",
    ];
    const r = dlrm(args, "reference,wasm");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/wasm is required by DLRM_REQUIRED_BACKENDS but was not run/);
    expect(dlrm(args, "reference").status).toBe(0);
  });

  it("refuses a bad --rounds", () => {
    const r = dlrm(["bench", "--config", "tiny", "--rounds", "0", "--torch", "none"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dlrm: error: --rounds: expected an integer >= 1/);
  });

  it("refuses --sharding without --world-size, and an unknown kind", () => {
    const alone = dlrm(["bench", "--config", "tiny", "--sharding", "row", "--torch", "none"]);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/^dlrm: error: --sharding: only applies with --world-size/);
    const bad = dlrm(["bench", "--config", "tiny", "--world-size", "1", "--sharding", "diagonal", "--torch", "none"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /^dlrm: error: --sharding: expected one of auto, table, row, column, replicated, got "diagonal"/,
    );
  });

  it("refuses a bad --compare and an unknown --config", () => {
    expect(dlrm(["bench", "--compare", "a.json"]).stderr).toMatch(/^dlrm: error: --compare: expected two files/);
    const r = dlrm(["bench", "--config", "huge"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^dlrm: error: .*huge/);
  });
});
