/**
 * End-to-end tests of `dlrm plan` as a child process (the built CLI): MLPerf DLRMv2 sizes at
 * 8, 64 and 512 ranks with --json (the JSON's shape and hand-counted figures), the table
 * form, --json FILE, and one-line errors naming the flag or the table that does not fit.
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

function dlrm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, DLRM_DEBUG: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BUILT))
    throw new Error(`${BUILT} is missing: build the CLI first (npx turbo run build --filter=@dlrm/cli)`);
  dir = mkdtempSync(join(tmpdir(), "dlrm-plan-e2e-"));
});

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/** The 26 Criteo 1TB tables; --max-ind-range 40000000 caps them (they already are at most that). */
const CRITEO_1TB = [
  40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938, 155, 4, 976, 14,
  40000000, 40000000, 40000000, 590152, 12973, 108, 36,
];

/** DLRMv2 (interaction dcn is not built; cat has its top-MLP input width, 27 x 128). */
const MLPERF = [
  "plan",
  "--arch-sparse-feature-size",
  "128",
  "--arch-embedding-size",
  CRITEO_1TB.join("-"),
  "--max-ind-range",
  "40000000",
  "--arch-mlp-bot",
  "13-512-256-128",
  "--arch-mlp-top",
  "1024-1024-512-256-1",
  "--arch-interaction-op",
  "cat",
  "--mini-batch-size",
  "65536",
  "--num-indices-per-lookup",
  "1",
  "--optimizer",
  "adagrad",
];

/** MLP parameters by hand: bottom 13-512-256-128, top 3456-1024-1024-512-256-1, weights and biases. */
const MLP =
  13 * 512 +
  512 +
  (512 * 256 + 256) +
  (256 * 128 + 128) +
  (3456 * 1024 + 1024) +
  (1024 * 1024 + 1024) +
  (1024 * 512 + 512) +
  (512 * 256 + 256) +
  257;

interface Piece {
  table: number;
  rank: number;
  kind: string;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}
interface PlanOut {
  worldSize: number;
  optimizer: string;
  sharding: string;
  model: { tableRows: number[] };
  placements: { table: number; kind: string; ranks: number[]; reason: string; rows: number; dim: number }[];
  shards: Piece[][];
  perRank: Record<string, number>[];
}

const KEYS = [
  "rank",
  "parameterBytes",
  "optimizerBytes",
  "memoryBytes",
  "allToAllForwardBytes",
  "allToAllBackwardBytes",
  "allToAllIndexBytes",
  "allToAllBytes",
  "allReduceMlpBytes",
  "allReduceReplicatedBytes",
  "allReduceBytes",
  "lookups",
  "lookupFloats",
];

describe("dlrm plan on MLPerf DLRMv2 sizes", () => {
  for (const N of [8, 64, 512]) {
    it(`--world-size ${N} --json: one placement per table, pieces and costs per rank, hand-counted bytes`, () => {
      const r = dlrm([...MLPERF, "--world-size", String(N), "--json"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout) as PlanOut;
      expect(j.worldSize).toBe(N);
      expect([j.optimizer, j.sharding]).toEqual(["adagrad", "auto"]);
      expect(j.model.tableRows).toEqual(CRITEO_1TB);
      expect(j.placements.map((p) => p.table)).toEqual(CRITEO_1TB.map((_, t) => t));
      expect(j.placements.map((p) => p.rows)).toEqual(CRITEO_1TB);
      for (const p of j.placements) expect(p.reason.length).toBeGreaterThan(10);
      expect(j.shards).toHaveLength(N);
      expect(j.perRank).toHaveLength(N);
      for (const c of j.perRank) expect(Object.keys(c).sort()).toEqual([...KEYS].sort());
      const b = 65536 / N;
      j.perRank.forEach((c, rank) => {
        // Every rank: the MLP gradients' reduce-scatter + all-gather, 2 (N-1)/N x (MLP + 1 flag) x 4.
        expect(c.allReduceMlpBytes).toBeCloseTo(((2 * (N - 1)) / N) * (MLP + 1) * 4, 3);
        // Forward: (N-1) x b x w x 4 for each exchanged piece it holds.
        const widths = j.shards[rank]!.filter((s) => s.kind !== "replicated").reduce(
          (a, s) => a + s.colEnd - s.colStart,
          0,
        );
        expect(c.allToAllForwardBytes).toBe((N - 1) * b * widths * 4);
      });
      if (N === 8) {
        // 13 tables have fewer rows than b = 8192 and are replicated, 19667 rows in all; the
        // first 40M-row table is whole on a rank that holds nothing else.
        const replicated = j.placements.filter((p) => p.kind === "replicated").map((p) => p.rows);
        expect(replicated.reduce((a, x) => a + x, 0)).toBe(
          7424 + 3 + 7122 + 1543 + 63 + 10 + 2209 + 155 + 4 + 976 + 14 + 108 + 36,
        );
        const owner = j.placements[0]!.ranks[0]!;
        expect(j.placements[0]!.kind).toBe("table");
        expect(j.shards[owner]!.filter((s) => s.kind !== "replicated").map((s) => s.table)).toEqual([0]);
        const c = j.perRank[owner]!;
        expect(c.parameterBytes).toBe((40000000 + 19667) * 128 * 4 + MLP * 4);
        expect(c.optimizerBytes).toBe((40000000 + 19667) * 128 * 4 + MLP * 4);
        expect(c.allToAllForwardBytes).toBe(7 * 8192 * 128 * 4);
        // Backward: b x 128 x 4 to the owner of each of the other 12 exchanged tables.
        expect(c.allToAllBackwardBytes).toBe(12 * 8192 * 128 * 4);
        // Replicated tables: 2 (N-1)/N x rows x 128 x 4 (all their rows, fewer than B lookups).
        expect(c.allReduceReplicatedBytes).toBeCloseTo(((2 * 7) / 8) * 19667 * 128 * 4, 3);
      } else {
        // Table 0 is split by rows: 13 pieces at 64 ranks, 101 at 512 (the shares of 38.1 GiB).
        const k = N === 64 ? 13 : 101;
        expect(j.placements[0]!.kind).toBe("row");
        expect(j.placements[0]!.ranks).toHaveLength(k);
        const pieces = j.shards.flat().filter((s) => s.table === 0);
        expect(pieces.map((s) => s.rowEnd - s.rowStart).reduce((a, x) => a + x, 0)).toBe(40000000);
        expect(pieces[0]!.rowEnd).toBe(N === 64 ? 3076924 : 396040);
      }
    });
  }

  it("prints the plan as a table: one line per table and folded rank lines; --json FILE writes the JSON too", () => {
    const file = join(dir, "plan.json");
    const r = dlrm([...MLPERF, "--world-size", "512", "--json", file]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("sharding plan over 512 ranks (global batch 65536):");
    expect(
      lines.filter((l) => /^ {2}table \d+ \(\d+ x 128\): (table|row|column|replicated) on ranks? /.test(l)),
    ).toHaveLength(26);
    expect(lines.some((l) => /^ {2}ranks \d+-\d+: params /.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`plan written to ${file}`);
    expect((JSON.parse(readFileSync(file, "utf8")) as PlanOut).perRank).toHaveLength(512);
  });

  it("a plan that cannot fit is refused naming the table and the shortfall", () => {
    const r = dlrm([...MLPERF, "--world-size", "8", "--memory-per-rank", "16GiB"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^dlrm: error: table \d+ \(40000000 x 128, 38\.1 GiB with Adagrad state\) does not fit: .*short by [0-9.]+ GiB \(\d+ bytes\).*--world-size.*--memory-per-rank.*--sharding/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(dlrm([...MLPERF, "--world-size", "64", "--memory-per-rank", "16GiB"]).status).toBe(0);
  });

  it("bad values are one-line errors naming the flag", () => {
    const cases: [string[], RegExp][] = [
      [["--memory-per-rank", "16XB"], /--memory-per-rank <size>.*'16XB' is invalid/],
      [["--world-size", "0"], /--world_size: expected a positive integer/],
      [["--world-size", "7"], /--mini-batch-size: the global batch 65536 does not divide evenly over --world-size 7/],
      [["--sharding", "diagonal"], /--sharding <kind>.*'diagonal' is invalid/],
      [
        ["--world-size", "8", "--sharding", "column", "--optimizer", "rwsadagrad"],
        /--sharding column: cannot be combined with --optimizer rwsadagrad/,
      ],
    ];
    for (const [extra, want] of cases) {
      const r = dlrm([...MLPERF, ...extra]);
      expect(r.status, extra.join(" ")).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
