/**
 * The sharding planner: per table, table-wise, row-wise, column-wise or replicated, from the
 * ranks' count, each rank's memory budget and the per-step costs of plan-costs.ts. A forced
 * kind places every table that way; "auto" chooses per table:
 *  1. Replicated when all-reducing the table's gradient moves fewer bytes than exchanging its
 *     pooled embeddings: 2(N-1)/N x U x D per rank against, summed over ranks, 2(N-1) x b x D,
 *     i.e. when U = min(rows, B x bag) < b = B / N; and only while the copies fit every rank.
 *  2. Every other table, largest state first, goes whole (table-wise) to the rank with the least
 *     load (share of state bytes + share of lookup floats, as planTables) that has room, unless
 *     its state is over twice the per-rank share of the sharded tables' state or no rank has room.
 *  3. Such a table is split into the fewest pieces that fit (and, when over twice the share, no
 *     larger than the share): by columns when each piece keeps >= 16 floats (column pieces
 *     exchange no more bytes than the whole table; row pieces each send full-width partial sums),
 *     never with rwsadagrad (one accumulator per row would see only a piece's columns); else by
 *     rows. Pieces go to the least-loaded ranks with room.
 * With QR or MD tables or learned pooling weights every table is placed whole (step 2 alone).
 * A plan that cannot fit is refused (PlanRefusalError) before anything is allocated. Memory is
 * estimateMemory's, so the planner and the trainer agree. Deterministic: every rank computes it.
 */
import { ConfigError, localBatchSize, type ModelConfig, type OptimizerName } from "../config.js";
import { planTables, tableBytes, tableStateBytes } from "./plan.js";
import { physicalTableSpecs, pooledWidth } from "../model/embedding-variant.js";
import { rankMemoryBytes, type CostRequest } from "./plan-costs.js";
import { formatBytes, formatRanks } from "./plan-format.js";
import {
  assemblePlan,
  shardTable,
  shardWidth,
  type ShardingPlan,
  type ShardKind,
  type TablePlacement,
  type TableShard,
} from "./shards.js";

/** `--sharding`: one kind for every table, or the planner's choice per table. */
export type ShardingChoice = "auto" | ShardKind;

export const SHARDING_CHOICES: readonly ShardingChoice[] = ["auto", "table", "row", "column", "replicated"];

/** Column pieces narrower than this many floats are not made (row-wise instead). */
export const MIN_COLUMN_WIDTH = 16;

export interface PlanRequest {
  worldSize: number;
  /** Global batch size. */
  batchSize: number;
  /** Expected indices per bag (lookups per table are batchSize x this). */
  meanBagSize: number;
  sharding: ShardingChoice;
  /** Bytes each rank may hold; undefined: no budget. */
  memoryPerRank?: number;
  /** Largest bag, for the memory estimate's batch buffers; default ceil(meanBagSize). */
  maxIndicesPerBag?: number;
}

/** A plan that cannot fit the memory per rank; says which table, by how much, and what to change. */
export class PlanRefusalError extends RangeError {
  constructor(
    message: string,
    /** The table that does not fit; undefined when the MLP replica and buffers alone do not. */
    readonly table: number | undefined,
    readonly shortfallBytes: number,
  ) {
    super(message);
    this.name = "PlanRefusalError";
  }
}

const WHAT_TO_CHANGE =
  "Give more ranks (--world-size), a larger --memory-per-rank, another --sharding, or smaller tables (--max-ind-range)";

function shortfall(bytes: number): string {
  return `${formatBytes(bytes)} (${Math.ceil(bytes)} bytes)`;
}

function stateWords(optimizer: OptimizerName): string {
  return optimizer === "sgd"
    ? "(SGD: no optimizer state)"
    : optimizer === "adagrad"
      ? "with Adagrad state"
      : "with row-wise Adagrad state";
}

function checkRequest(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest): void {
  const N = req.worldSize;
  if (!Number.isInteger(N) || N < 1) throw new ConfigError("--world-size", `expected a positive integer, got ${N}`);
  localBatchSize(req.batchSize, N);
  if (!(req.meanBagSize > 0) || !Number.isFinite(req.meanBagSize))
    throw new ConfigError("--num-indices-per-lookup", `expected a positive bag size, got ${req.meanBagSize}`);
  if (req.memoryPerRank !== undefined && !(req.memoryPerRank > 0))
    throw new ConfigError("--memory-per-rank", `expected a positive number of bytes, got ${req.memoryPerRank}`);
  if (!SHARDING_CHOICES.includes(req.sharding))
    throw new ConfigError("--sharding", `expected one of ${SHARDING_CHOICES.join(", ")}, got ${String(req.sharding)}`);
  if (req.sharding === "column" && optimizer === "rwsadagrad")
    throw new ConfigError(
      "--sharding column",
      "cannot be combined with --optimizer rwsadagrad: row-wise Adagrad keeps one accumulator per row, which a column piece would update from its own columns only; use --sharding auto, table or row, or --optimizer adagrad",
    );
  if (model.tableRows.length === 0) throw new ConfigError("--arch-embedding-size", "at least one table is needed");
}

/** Places every table of `model` on `req.worldSize` ranks as `req.sharding` asks; refuses a plan that cannot fit. */
export function planSharding(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest): ShardingPlan {
  checkRequest(model, optimizer, req);
  checkFixedFits(model, optimizer, req);
  const whole = wholeTablesFlag(model);
  const placements =
    whole !== undefined
      ? wholePlacements(model, optimizer, req, whole)
      : req.sharding === "auto"
        ? autoPlacements(model, optimizer, req)
        : forcedPlacements(model, optimizer, req);
  const plan = assemblePlan(
    req.worldSize,
    model.tableRows,
    pooledWidth(model.embeddingDim, model.embeddingVariant),
    placements,
  );
  checkFits(model, optimizer, req, plan);
  return plan;
}

/** The flag that keeps every table whole (QR and MD tables, learned pooling weights), or undefined. */
export function wholeTablesFlag(model: ModelConfig): string | undefined {
  const v = model.embeddingVariant;
  if (v !== undefined) return v.kind === "qr" ? "--qr-flag" : "--md-flag";
  return model.weightedPooling === "learned" ? "--weighted-pooling learned" : undefined;
}

/**
 * Every table whole (table-wise), balanced by its stored bytes (QR's two sub-tables, MD's
 * narrow table and projection, v_W_l.<t>, each with optimizer state) and lookups: what QR,
 * MD and learned pooling weights allow. --sharding row, column or replicated is refused.
 */
function wholePlacements(
  model: ModelConfig,
  optimizer: OptimizerName,
  req: PlanRequest,
  flag: string,
): TablePlacement[] {
  if (req.sharding !== "auto" && req.sharding !== "table")
    throw new ConfigError(
      `--sharding ${req.sharding}`,
      `cannot be combined with ${flag}: its tables are placed whole on one rank each; use --sharding auto or table`,
    );
  const p = planTables(model, optimizer, req.worldSize, req.batchSize, req.meanBagSize);
  const bytes = tableBytes(model, optimizer);
  const specs = physicalTableSpecs(model.tableRows, model.embeddingDim, model.embeddingVariant);
  return p.owner.map((r, t) => {
    const stored = specs
      .filter((s) => s.table === t)
      .map((s) => `${s.name.slice(`emb_l.${t}.`.length)} ${s.shape[0]} x ${s.shape[1]}`);
    if (model.weightedPooling === "learned") stored.push(`v_W_l.${t} ${model.tableRows[t]!}`);
    return {
      table: t,
      kind: "table" as const,
      ranks: [r],
      reason:
        `${stored.join(" + ")}, ${formatBytes(bytes[t]!)} ${stateWords(optimizer)}: ` +
        `whole on rank ${r} (${flag} keeps tables whole; balanced by memory and lookups)`,
    };
  });
}

function forcedPlacements(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest): TablePlacement[] {
  const N = req.worldSize;
  const all = Array.from({ length: N }, (_, r) => r);
  const D = model.embeddingDim;
  if (req.sharding === "table") {
    const p = planTables(model, optimizer, N, req.batchSize, req.meanBagSize);
    return p.owner.map((r, t) => ({
      table: t,
      kind: "table",
      ranks: [r],
      reason: `--sharding table: whole on rank ${r} (tables balanced by memory and lookups)`,
    }));
  }
  const kind = req.sharding as ShardKind;
  return model.tableRows.map((rows, t) => {
    const k = kind === "row" ? Math.min(N, rows) : kind === "column" ? Math.min(N, D) : N;
    const how =
      kind === "row"
        ? `split by rows over ${k} rank${k === 1 ? "" : "s"}`
        : kind === "column"
          ? `split by columns into ${k} piece${k === 1 ? "" : "s"} over ${k} rank${k === 1 ? "" : "s"}`
          : `a copy on each of the ${N} ranks`;
    return { table: t, kind, ranks: all, reason: `--sharding ${kind}: ${how}` };
  });
}

/** Refuses when the MLP replica, activations and buffers alone exceed the budget. */
function checkFixedFits(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest): void {
  const budget = req.memoryPerRank;
  if (budget === undefined) return;
  const fixed = rankMemoryBytes(model, optimizer, req, req.worldSize, []);
  if (fixed > budget) {
    throw new PlanRefusalError(
      `the MLP replica, activations and exchange buffers alone need ${formatBytes(fixed)} per rank, over the ` +
        `${formatBytes(budget)} --memory-per-rank by ${shortfall(fixed - budget)}, before any table. ` +
        "Give a larger --memory-per-rank or a smaller --mini-batch-size (or more ranks: --world-size)",
      undefined,
      fixed - budget,
    );
  }
}

/** Refuses when a rank's estimated memory exceeds the budget, naming its largest piece's table. */
function checkFits(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest, plan: ShardingPlan): void {
  const budget = req.memoryPerRank;
  if (budget === undefined) return;
  plan.shards.forEach((mine, r) => {
    const need = rankMemoryBytes(model, optimizer, req, plan.worldSize, mine);
    if (need <= budget) return;
    const biggest = [...mine].sort(
      (a, b) => (b.rowEnd - b.rowStart) * shardWidth(b) - (a.rowEnd - a.rowStart) * shardWidth(a) || a.table - b.table,
    )[0]!;
    const p = plan.placements[biggest.table]!;
    const rows = model.tableRows[biggest.table]!;
    throw new PlanRefusalError(
      `table ${biggest.table} (${rows} x ${model.embeddingDim}, ${formatBytes(tableStateBytes(rows, model.embeddingDim, optimizer))} ${stateWords(optimizer)}) ` +
        `placed ${p.kind} on ${p.ranks.length === 1 ? `rank ${p.ranks[0]}` : `ranks ${formatRanks(p.ranks)}`} does not fit: ` +
        `rank ${r} would need ${formatBytes(need)} of the ${formatBytes(budget)} --memory-per-rank, short by ${shortfall(need - budget)}. ${WHAT_TO_CHANGE}`,
      biggest.table,
      need - budget,
    );
  });
}

interface Candidate {
  kind: ShardKind;
  pieces: TableShard[];
}

/** The per-table choice of the "auto" policy (see the file header). */
function autoPlacements(model: ModelConfig, optimizer: OptimizerName, req: PlanRequest): TablePlacement[] {
  const N = req.worldSize;
  const D = model.embeddingDim;
  const B = req.batchSize;
  const b = B / N;
  const creq: CostRequest = req;
  const budget = req.memoryPerRank ?? Infinity;
  const rowsOf = model.tableRows;
  const T = rowsOf.length;
  const state = rowsOf.map((r) => tableStateBytes(r, D, optimizer));
  const lookupsAll = B * req.meanBagSize;
  const fixed = rankMemoryBytes(model, optimizer, creq, N, []);
  /** What one piece adds to a rank's estimated memory (it depends on the piece's rows and width only). */
  const memo = new Map<string, number>();
  const pieceBytes = (s: TableShard): number => {
    const key = `${s.rowEnd - s.rowStart}x${shardWidth(s)}`;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = rankMemoryBytes(model, optimizer, creq, N, [s]) - fixed));
    return v;
  };
  const placements: TablePlacement[] = new Array<TablePlacement>(T);
  const memLoad = new Array<number>(N).fill(fixed);
  const all = Array.from({ length: N }, (_, r) => r);

  if (N === 1) {
    return rowsOf.map((_, t) => ({ table: t, kind: "table", ranks: [0], reason: "one rank holds every table" }));
  }

  // 1. Replicated: smallest first while the copies fit on every rank.
  const replicable = rowsOf
    .map((_, t) => t)
    .filter((t) => Math.min(rowsOf[t]!, lookupsAll) < b)
    .sort((x, y) => state[x]! - state[y]! || x - y);
  const replicated = new Set<number>();
  for (const t of replicable) {
    const piece = shardTable(t, rowsOf[t]!, D, "replicated", [0])[0]!;
    const add = pieceBytes(piece);
    if (memLoad[0]! + add > budget) continue;
    for (let r = 0; r < N; r++) memLoad[r]! += add;
    replicated.add(t);
    const U = Math.min(rowsOf[t]!, lookupsAll);
    placements[t] = {
      table: t,
      kind: "replicated",
      ranks: all,
      reason:
        `${formatBytes(state[t]!)} ${stateWords(optimizer)}; all-reducing its gradient (at most ${U} rows) moves fewer bytes ` +
        `than exchanging its pooled embeddings (${b} samples per rank): a copy on every rank`,
    };
  }

  // 2-3. The rest, largest first.
  const sharded = rowsOf.map((_, t) => t).filter((t) => !replicated.has(t));
  sharded.sort((x, y) => state[y]! - state[x]! || x - y);
  const totalState = sharded.reduce((a, t) => a + state[t]!, 0) || 1;
  const share = totalState / N;
  const totalFloats = sharded.length * lookupsAll * D || 1;
  const cost = new Array<number>(N).fill(0);
  const pieceCost = (s: TableShard): number => {
    const rows = s.rowEnd - s.rowStart;
    const w = shardWidth(s);
    const floats = (s.kind === "row" ? (lookupsAll * rows) / rowsOf[s.table]! : lookupsAll) * w;
    return (
      (rows * (w + (optimizer === "sgd" ? 0 : optimizer === "rwsadagrad" ? 1 : w)) * 4) / totalState +
      floats / totalFloats
    );
  };
  /** The k least-loaded ranks (cost, then rank) with room for `bytes`, ascending; undefined when fewer have room. */
  const pickRanks = (k: number, bytes: number): number[] | undefined => {
    const fit = all.filter((r) => memLoad[r]! + bytes <= budget).sort((x, y) => cost[x]! - cost[y]! || x - y);
    return fit.length < k ? undefined : fit.slice(0, k).sort((x, y) => x - y);
  };
  const tryKind = (t: number, kind: ShardKind, k: number): Candidate | undefined => {
    const probe = shardTable(t, rowsOf[t]!, D, kind, all.slice(0, k));
    const bytes = Math.max(...probe.map(pieceBytes));
    const ranks = pickRanks(probe.length, bytes);
    return ranks === undefined ? undefined : { kind, pieces: shardTable(t, rowsOf[t]!, D, kind, ranks) };
  };

  for (const t of sharded) {
    const rows = rowsOf[t]!;
    const sizeText = `${formatBytes(state[t]!)} ${stateWords(optimizer)}`;
    const farLarger = state[t]! > 2 * share;
    let chosen: Candidate | undefined;
    let why = "";
    if (!farLarger) {
      chosen = tryKind(t, "table", 1);
      if (chosen === undefined) {
        const room = budget - Math.min(...memLoad);
        why = `${sizeText} does not fit in the ${formatBytes(Math.max(0, room))} left on any rank (--memory-per-rank ${formatBytes(budget)})`;
      }
    } else {
      why = `${sizeText} is over twice the ${formatBytes(share)} per-rank share of the sharded tables`;
    }
    let note = "";
    if (chosen === undefined) {
      const kMin = farLarger ? Math.max(2, Math.ceil(state[t]! / share)) : 2;
      const maxCols = Math.min(N, Math.floor(D / MIN_COLUMN_WIDTH));
      if (optimizer !== "rwsadagrad") {
        for (let k = kMin; k <= maxCols && chosen === undefined; k++) chosen = tryKind(t, "column", k);
        if (chosen === undefined)
          note =
            kMin > maxCols
              ? ` (column pieces would be narrower than ${MIN_COLUMN_WIDTH} floats)`
              : ` (no split into column pieces of ${MIN_COLUMN_WIDTH} or more floats fits)`;
      } else {
        note = " (--optimizer rwsadagrad keeps one accumulator per row, so columns are not split)";
      }
      const maxRows = Math.min(N, rows);
      for (let k = Math.min(kMin, maxRows); k <= maxRows && chosen === undefined; k++) chosen = tryKind(t, "row", k);
      if (chosen !== undefined && chosen.kind === "column") note = "";
    }
    if (chosen === undefined) {
      const pieces = shardTable(t, rows, D, "row", all);
      const need = Math.max(...pieces.map((s) => memLoad[s.rank]! + pieceBytes(s)));
      const atLeast = fixed + (totalState + [...replicated].reduce((a, r) => a + state[r]! * N, 0)) / N;
      throw new PlanRefusalError(
        `table ${t} (${rows} x ${D}, ${sizeText}) does not fit: split by rows over all ${pieces.length} ranks, ` +
          `a rank would need ${formatBytes(need)} of the ${formatBytes(budget)} --memory-per-rank, short by ${shortfall(need - budget)} ` +
          `(spread perfectly, the tables with their state, the MLP replica and buffers need at least ${formatBytes(atLeast)} per rank). ${WHAT_TO_CHANGE}`,
        t,
        need - budget,
      );
    }
    for (const s of chosen.pieces) {
      memLoad[s.rank]! += pieceBytes(s);
      cost[s.rank]! += pieceCost(s);
    }
    const ranks = chosen.pieces.map((s) => s.rank);
    const k = ranks.length;
    let reason: string;
    if (chosen.kind === "table")
      reason = `${sizeText}: whole on rank ${ranks[0]} (tables balanced by memory and lookups)`;
    else if (chosen.kind === "column") {
      const widths = [...new Set(chosen.pieces.map(shardWidth))].sort((x, y) => y - x).join(" or ");
      reason = `${why}: split by columns into ${k} pieces of ${widths} floats`;
    } else reason = `${why}: split by rows over ${k} ranks${note}`;
    placements[t] = { table: t, kind: chosen.kind, ranks, reason };
  }
  return placements;
}
