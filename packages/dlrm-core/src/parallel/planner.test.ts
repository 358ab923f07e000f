/**
 * The sharding planner and its costs: every forced kind covers each table's rows and columns
 * exactly once (replicated: whole on every rank); "auto" switches kind as sizes, ranks and
 * budgets change and never splits columns under rwsadagrad; plans that cannot fit are refused
 * naming the table and the shortfall; plans are deterministic; one rank moves no bytes; the
 * text and JSON forms. MLPerf DLRMv2 sizes at 8, 64 and 512 ranks against hand counts.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_TRAIN_CONFIG, type ModelConfig, type OptimizerName } from "../config.js";
import { estimateMemory } from "../train/memory.js";
import { planCosts } from "./plan-costs.js";
import { formatShardingPlan, planJson } from "./plan-format.js";
import { PlanRefusalError, planSharding, type PlanRequest, type ShardingChoice } from "./planner.js";
import type { ShardingPlan, TableShard } from "./shards.js";

const small: ModelConfig = {
  ...DEFAULT_TRAIN_CONFIG.model,
  embeddingDim: 32,
  tableRows: [1000, 7, 300, 50, 2],
  bottomMlp: [4, 8, 32],
  topMlp: [16, 1],
};

const req = (worldSize: number, sharding: ShardingChoice, extra: Partial<PlanRequest> = {}): PlanRequest => ({
  worldSize,
  batchSize: 48,
  meanBagSize: 2,
  sharding,
  ...extra,
});

/** Counts how many pieces cover each (table, row, column) cell; every count must be `copies`. */
function expectCoverage(plan: ShardingPlan, m: ModelConfig, copies: (t: number) => number): void {
  m.tableRows.forEach((rows, t) => {
    const grid = new Uint16Array(rows * m.embeddingDim);
    for (const s of plan.shards.flat().filter((x) => x.table === t))
      for (let r = s.rowStart; r < s.rowEnd; r++)
        for (let c = s.colStart; c < s.colEnd; c++) grid[r * m.embeddingDim + c]!++;
    const want = copies(t);
    const bad = grid.findIndex((v) => v !== want);
    expect(bad, `table ${t}: cell ${bad} covered ${grid[bad]} times, want ${want}`).toBe(-1);
  });
}

describe("forced kinds", () => {
  for (const N of [1, 2, 3, 8]) {
    for (const kind of ["table", "row", "column"] as const) {
      it(`--sharding ${kind} at N=${N}: every row and column of every table exactly once`, () => {
        const plan = planSharding(small, "adagrad", req(N, kind));
        expect(plan.placements.map((p) => p.kind)).toEqual(small.tableRows.map(() => kind));
        expectCoverage(plan, small, () => 1);
        plan.shards.forEach((list, r) => list.forEach((s) => expect(s.rank).toBe(r)));
      });
    }
    it(`--sharding replicated at N=${N}: each table whole on every rank`, () => {
      const plan = planSharding(small, "sgd", req(N, "replicated"));
      expectCoverage(plan, small, () => N);
      for (const list of plan.shards) expect(list.map((s) => s.table)).toEqual([0, 1, 2, 3, 4]);
    });
  }

  it("row-wise over more ranks than rows uses one rank per row; column-wise at most D ranks", () => {
    const plan = planSharding(small, "adagrad", req(8, "row"));
    expect(plan.placements[4]!.ranks).toEqual([0, 1]);
    expect(plan.placements[0]!.ranks).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const tiny = { ...small, embeddingDim: 4, bottomMlp: [4, 4] };
    expect(planSharding(tiny, "adagrad", { ...req(6, "column"), batchSize: 48 }).placements[0]!.ranks).toEqual([
      0, 1, 2, 3,
    ]);
  });

  it("--sharding column with --optimizer rwsadagrad is refused naming both flags", () => {
    expect(() => planSharding(small, "rwsadagrad", req(2, "column"))).toThrow(ConfigError);
    expect(() => planSharding(small, "rwsadagrad", req(2, "column"))).toThrow(
      /--sharding column.*--optimizer rwsadagrad/,
    );
  });

  it("bad requests name the flag", () => {
    expect(() => planSharding(small, "adagrad", req(5, "auto"))).toThrow(/--mini-batch-size/);
    expect(() => planSharding(small, "adagrad", req(0, "auto"))).toThrow(/--world-size/);
    expect(() => planSharding(small, "adagrad", req(2, "auto", { memoryPerRank: -1 }))).toThrow(/--memory-per-rank/);
    expect(() => planSharding(small, "adagrad", req(2, "diagonal" as ShardingChoice))).toThrow(/--sharding/);
  });
});

describe("auto", () => {
  const B = 256;
  /** Three tables of comparable size and a 40-row one (D = 64). */
  const mid: ModelConfig = {
    ...small,
    embeddingDim: 64,
    tableRows: [20_000, 15_000, 12_000, 40],
    bottomMlp: [4, 8, 64],
  };
  /** One table far larger than the rest. */
  const big: ModelConfig = { ...mid, tableRows: [200_000, 3000, 2000, 40] };
  const one = (m: ModelConfig, o: OptimizerName, shards: TableShard[]): number =>
    estimateMemory({ ...DEFAULT_TRAIN_CONFIG, model: m, optimizer: o, batchSize: B }, 2, { shards, worldSize: 4 })
      .totalBytes;
  const whole = (t: number, rows: number, kind: "table" | "replicated"): TableShard => ({
    table: t,
    rank: 0,
    kind,
    rowStart: 0,
    rowEnd: rows,
    colStart: 0,
    colEnd: 64,
  });

  it("replicates tables with fewer rows than the per-rank batch, places the rest table-wise", () => {
    const plan = planSharding(mid, "adagrad", { ...req(4, "auto"), batchSize: B });
    // b = 64: table 3 (40 rows) is replicated; the others are whole on one rank each.
    expect(plan.placements.map((p) => p.kind)).toEqual(["table", "table", "table", "replicated"]);
    expect(plan.placements[3]!.ranks).toEqual([0, 1, 2, 3]);
    expect(plan.placements[3]!.reason).toMatch(/all-reducing its gradient.*a copy on every rank/);
    expect(new Set(plan.placements.slice(0, 3).map((p) => p.ranks[0])).size).toBe(3);
    // b = 16 at N = 16: 40 rows is no longer fewer than the samples per rank.
    expect(planSharding(mid, "adagrad", { ...req(16, "auto"), batchSize: B }).placements[3]!.kind).not.toBe(
      "replicated",
    );
  });

  it("a table that does not fit one rank's budget is split by columns, or by rows under rwsadagrad", () => {
    // One byte less than a rank holding table 0 whole and the replicated table 3.
    const budget = one(mid, "adagrad", [whole(0, 20_000, "table"), whole(3, 40, "replicated")]) - 1;
    const tight = planSharding(mid, "adagrad", { ...req(4, "auto"), batchSize: B, memoryPerRank: budget });
    expect(tight.placements.map((p) => p.kind)).toEqual(["column", "table", "table", "replicated"]);
    expect(tight.placements[0]!.reason).toMatch(
      /does not fit in the .* left on any rank.*split by columns into 2 pieces of 32 floats/,
    );
    expectCoverage(tight, mid, (t) => (t === 3 ? 4 : 1));
    const rwsBudget = one(mid, "rwsadagrad", [whole(0, 20_000, "table"), whole(3, 40, "replicated")]) - 1;
    const rws = planSharding(mid, "rwsadagrad", { ...req(4, "auto"), batchSize: B, memoryPerRank: rwsBudget });
    expect(rws.placements.map((p) => p.kind)).toEqual(["row", "table", "table", "replicated"]);
    expect(rws.placements[0]!.ranks).toHaveLength(2);
    expect(rws.placements[0]!.reason).toMatch(/rwsadagrad keeps one accumulator per row/);
    for (const c of planCosts(mid, "rwsadagrad", { batchSize: B, meanBagSize: 2 }, rws).perRank)
      expect(c.memoryBytes).toBeLessThanOrEqual(rwsBudget);
    // Without the budget the same model stays table-wise.
    expect(planSharding(mid, "rwsadagrad", { ...req(4, "auto"), batchSize: B }).placements[0]!.kind).toBe("table");
  });

  it("a table far larger than the per-rank share is split even without a budget; by rows when columns would be under 16 floats", () => {
    const wide = planSharding(big, "adagrad", { ...req(4, "auto"), batchSize: B });
    expect(wide.placements[0]!.kind).toBe("column");
    expect(wide.placements[0]!.reason).toMatch(/over twice the .* per-rank share.*4 pieces of 16 floats/);
    const narrow: ModelConfig = { ...big, embeddingDim: 16, bottomMlp: [4, 16] };
    const plan = planSharding(narrow, "adagrad", { ...req(8, "auto"), batchSize: B });
    expect(plan.placements[0]!.kind).toBe("row");
    expect(plan.placements[0]!.reason).toMatch(/over twice the .* per-rank share.*narrower than 16 floats/);
    expectCoverage(plan, narrow, (t) => (plan.placements[t]!.kind === "replicated" ? 8 : 1));
  });

  it("one rank: every table whole on rank 0 and no bytes moved", () => {
    const plan = planSharding(big, "adagrad", { ...req(1, "auto"), batchSize: B });
    expect(plan.placements.map((p) => [p.kind, p.ranks])).toEqual(big.tableRows.map(() => ["table", [0]]));
    const c = planCosts(big, "adagrad", { batchSize: B, meanBagSize: 2 }, plan).perRank[0]!;
    expect([c.allToAllBytes, c.allReduceBytes, c.allToAllForwardBytes, c.allToAllBackwardBytes]).toEqual([0, 0, 0, 0]);
    expect(c.parameterBytes).toBeGreaterThan(0);
  });

  it("is deterministic", () => {
    const a = planSharding(big, "adagrad", { ...req(8, "auto"), batchSize: B, memoryPerRank: 64 * 2 ** 20 });
    const b = planSharding(big, "adagrad", { ...req(8, "auto"), batchSize: B, memoryPerRank: 64 * 2 ** 20 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe("refusal", () => {
  const m: ModelConfig = { ...small, tableRows: [100_000, 10], embeddingDim: 32 };
  const B = 64;

  it("names the table and the shortfall, which is what the estimate says is missing", () => {
    const budget = 6 * 2 ** 20;
    let err: unknown;
    try {
      planSharding(m, "adagrad", { ...req(2, "auto"), batchSize: B, memoryPerRank: budget });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanRefusalError);
    expect(err).toBeInstanceOf(RangeError);
    const e = err as PlanRefusalError;
    expect(e.table).toBe(0);
    expect(e.message).toMatch(/^table 0 \(100000 x 32, .* with Adagrad state\) does not fit/);
    expect(e.message).toContain(`short by`);
    expect(e.message).toContain(`(${Math.ceil(e.shortfallBytes)} bytes)`);
    expect(e.message).toMatch(/--world-size.*--memory-per-rank.*--sharding/);
    // Table 1 (10 rows < 32 samples per rank) is replicated first; table 0 row-wise over both
    // ranks then puts rows 0..50000 beside it on rank 0.
    const cfg = { ...DEFAULT_TRAIN_CONFIG, model: m, optimizer: "adagrad" as OptimizerName, batchSize: B };
    const need = estimateMemory(cfg, 2, {
      worldSize: 2,
      shards: [
        { table: 0, rank: 0, kind: "row", rowStart: 0, rowEnd: 50_000, colStart: 0, colEnd: 32 },
        { table: 1, rank: 0, kind: "replicated", rowStart: 0, rowEnd: 10, colStart: 0, colEnd: 32 },
      ],
    }).totalBytes;
    expect(e.shortfallBytes).toBeCloseTo(need - budget, 3);
  });

  it("a forced kind that does not fit is refused; the MLP alone not fitting names no table", () => {
    expect(() =>
      planSharding(m, "adagrad", { ...req(2, "replicated"), batchSize: B, memoryPerRank: 20 * 2 ** 20 }),
    ).toThrow(/table 0 .*placed replicated on ranks 0-1 does not fit: rank 0 would need/);
    expect(() =>
      planSharding(m, "adagrad", { ...req(2, "row"), batchSize: B, memoryPerRank: 20 * 2 ** 20 }),
    ).not.toThrow();
    try {
      planSharding(m, "adagrad", { ...req(2, "auto"), batchSize: B, memoryPerRank: 1000 });
      expect.unreachable("a 1000-byte budget must be refused");
    } catch (e) {
      expect(e).toBeInstanceOf(PlanRefusalError);
      expect((e as PlanRefusalError).table).toBeUndefined();
      expect((e as Error).message).toMatch(/MLP replica.*alone need/);
    }
  });
});

describe("costs, text and JSON", () => {
  it("memory per rank is estimateMemory's for that rank's pieces", () => {
    const plan = planSharding(small, "adagrad", req(3, "row"));
    const costs = planCosts(small, "adagrad", { batchSize: 48, meanBagSize: 2 }, plan);
    const cfg = { ...DEFAULT_TRAIN_CONFIG, model: small, optimizer: "adagrad" as OptimizerName, batchSize: 48 };
    plan.shards.forEach((shards, r) =>
      expect(costs.perRank[r]!.memoryBytes).toBe(estimateMemory(cfg, 2, { shards, worldSize: 3 }).totalBytes),
    );
  });

  it("the text has one line per table and folds identical ranks; the JSON is plain", () => {
    const plan = planSharding(small, "adagrad", req(4, "replicated"));
    const costs = planCosts(small, "adagrad", { batchSize: 48, meanBagSize: 2 }, plan);
    const lines = formatShardingPlan(plan, costs);
    expect(lines[0]).toBe("sharding plan over 4 ranks (global batch 48):");
    expect(
      lines.filter((l) => /^ {2}table \d+ \(\d+ x 32\): replicated on ranks 0-3: --sharding replicated/.test(l)),
    ).toHaveLength(5);
    expect(lines.at(-1)).toMatch(
      /^ {2}ranks 0-3: params .* MiB, optimizer .* MiB, memory .*, all-to-all 0\.0 MB\/step, all-reduce .* MB\/step/,
    );
    expect(lines).toHaveLength(1 + 5 + 1);
    const j = planJson(plan, costs);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    expect(j.placements[0]).toMatchObject({ table: 0, rows: 1000, dim: 32, kind: "replicated", ranks: [0, 1, 2, 3] });
    expect(j.shards).toHaveLength(4);
    expect(j.perRank[2]!.rank).toBe(2);
  });
});
