/**
 * The sharding plan as data: how each embedding table is placed over the ranks (table-wise,
 * row-wise, column-wise or replicated) and the pieces each rank holds. The planner writes it;
 * the model, the embedding exchange, each rank's batch selection and the checkpoints read it.
 * Every rank computes the same plan from the same inputs, so it is never sent.
 */

/** How one table is placed: whole on one rank, split by rows or by embedding columns, or on every rank. */
export type ShardKind = "table" | "row" | "column" | "replicated";

export const SHARD_KINDS: readonly ShardKind[] = ["table", "row", "column", "replicated"];

/** One rank's piece of one table: rows [rowStart, rowEnd) x embedding columns [colStart, colEnd). */
export interface TableShard {
  table: number;
  rank: number;
  kind: ShardKind;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}

/** One table's placement and the planner's reason for it (printed at start-up and by `dlrm plan`). */
export interface TablePlacement {
  table: number;
  kind: ShardKind;
  /** The ranks holding a piece, ascending. */
  ranks: number[];
  reason: string;
}

export interface ShardingPlan {
  worldSize: number;
  /** placements[t]: how table t is placed. */
  placements: TablePlacement[];
  /** shards[r]: the pieces rank r holds, by table, then column, then row. */
  shards: TableShard[][];
}

/** Splits n items into k contiguous ranges as evenly as possible (the first n % k one longer). */
export function splitEvenly(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  const base = Math.floor(n / k);
  const extra = n % k;
  let at = 0;
  for (let i = 0; i < k; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push([at, at + len]);
    at += len;
  }
  return out;
}

/**
 * The pieces of table `table` (rows x dim) placed as `kind` on `ranks`: table-wise on
 * ranks[0]; row-wise as contiguous row ranges, one per rank (at most `rows` ranks);
 * column-wise as contiguous column ranges (at most `dim` ranks); replicated whole on each.
 */
export function shardTable(table: number, rows: number, dim: number, kind: ShardKind, ranks: number[]): TableShard[] {
  if (ranks.length === 0) throw new RangeError(`table ${table}: a placement needs at least one rank`);
  const whole = (rank: number): TableShard => ({
    table,
    rank,
    kind,
    rowStart: 0,
    rowEnd: rows,
    colStart: 0,
    colEnd: dim,
  });
  switch (kind) {
    case "table":
      return [whole(ranks[0]!)];
    case "replicated":
      return ranks.map(whole);
    case "row": {
      const use = ranks.slice(0, Math.max(1, Math.min(ranks.length, rows)));
      return splitEvenly(rows, use.length).map(([a, b], i) => ({ ...whole(use[i]!), rowStart: a, rowEnd: b }));
    }
    case "column": {
      const use = ranks.slice(0, Math.max(1, Math.min(ranks.length, dim)));
      return splitEvenly(dim, use.length).map(([a, b], i) => ({ ...whole(use[i]!), colStart: a, colEnd: b }));
    }
  }
}

/** Builds the plan from per-table placements (kind, ranks, reason). */
export function assemblePlan(
  worldSize: number,
  tableRows: readonly number[],
  dim: number,
  placements: readonly TablePlacement[],
): ShardingPlan {
  const shards: TableShard[][] = Array.from({ length: worldSize }, () => []);
  const used: TablePlacement[] = [];
  for (const p of placements) {
    const pieces = shardTable(p.table, tableRows[p.table]!, dim, p.kind, p.ranks);
    for (const s of pieces) {
      if (s.rank < 0 || s.rank >= worldSize)
        throw new RangeError(`table ${p.table}: rank ${s.rank} is outside 0..${worldSize - 1}`);
      shards[s.rank]!.push(s);
    }
    used.push({ ...p, ranks: [...new Set(pieces.map((s) => s.rank))].sort((a, b) => a - b) });
  }
  for (const list of shards)
    list.sort((a, b) => a.table - b.table || a.colStart - b.colStart || a.rowStart - b.rowStart);
  return { worldSize, placements: used, shards };
}

/** Floats per row of a piece. */
export const shardWidth = (s: TableShard): number => s.colEnd - s.colStart;

/** Rows of a piece. */
export const shardRows = (s: TableShard): number => s.rowEnd - s.rowStart;

/**
 * A rank's pieces grouped for the embedding ops, which take one width per call: pieces of
 * one width that travel by all-to-all, or (replicated) stay on the rank. Groups are ordered
 * exchanged first by decreasing width, then replicated; pieces keep the rank's order.
 */
export interface ShardGroup {
  width: number;
  replicated: boolean;
  shards: TableShard[];
}

export function shardGroups(shards: readonly TableShard[]): ShardGroup[] {
  const groups: ShardGroup[] = [];
  for (const s of shards) {
    const replicated = s.kind === "replicated";
    const width = shardWidth(s);
    let g = groups.find((x) => x.width === width && x.replicated === replicated);
    if (g === undefined) {
      g = { width, replicated, shards: [] };
      groups.push(g);
    }
    g.shards.push(s);
  }
  return groups.sort((a, b) => Number(a.replicated) - Number(b.replicated) || b.width - a.width);
}

/** The plan of one process: every table whole on rank 0. */
export function singleRankPlan(tableRows: readonly number[], dim: number): ShardingPlan {
  return assemblePlan(
    1,
    tableRows,
    dim,
    tableRows.map((_, t) => ({ table: t, kind: "table" as const, ranks: [0], reason: "one process" })),
  );
}

/**
 * The plan as a checkpoint's metadata records it (JSON): world size and each table's kind,
 * ranks and reason. For the record only: a checkpoint holds whole tensors and loads under
 * any plan.
 */
export function shardingMetadata(plan: ShardingPlan): string {
  return JSON.stringify({
    worldSize: plan.worldSize,
    tables: plan.placements.map((p) => ({ table: p.table, kind: p.kind, ranks: p.ranks, reason: p.reason })),
  });
}
