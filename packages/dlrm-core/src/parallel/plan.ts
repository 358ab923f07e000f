/**
 * Table-wise placement for hybrid-parallel training: each embedding table lives on one rank,
 * chosen by a balanced plan over two costs (table bytes with optimizer state, and lookups
 * per step), not dlrm's contiguous slices of the table list. The sharding planner uses it
 * for the tables it keeps whole.
 */
import type { ModelConfig, OptimizerName } from "../config.js";
import { physicalTableSpecs } from "../model/embedding-variant.js";

export interface TablePlan {
  worldSize: number;
  /** owner[t]: the rank that holds table t. */
  owner: number[];
  /** ownedTables[r]: global table numbers on rank r, ascending. */
  ownedTables: number[][];
  /** Per rank: bytes of the tables with their optimizer state. */
  tableBytes: number[];
  /** Per rank: embedding rows looked up per step (global batch x mean bag size, summed over its tables). */
  lookupsPerStep: number[];
}

/** Bytes a table of `rows` x `dim` holds with its optimizer state (f32). */
export function tableStateBytes(rows: number, dim: number, optimizer: OptimizerName): number {
  const acc = optimizer === "sgd" ? 0 : optimizer === "rwsadagrad" ? rows : rows * dim;
  return (rows * dim + acc) * 4;
}

/**
 * Bytes each logical table holds as stored, with optimizer state (f32): the plain table, or
 * QR's weight_q and weight_r, or MD's narrow table and projection; plus its learned pooling
 * weights v_W_l.<t> (rows, and rows of Adagrad state).
 */
export function tableBytes(model: ModelConfig, optimizer: OptimizerName): number[] {
  const out = model.tableRows.map(() => 0);
  for (const p of physicalTableSpecs(model.tableRows, model.embeddingDim, model.embeddingVariant)) {
    const [rows, w] = p.shape;
    out[p.table]! +=
      p.role === "proj" ? rows * w * (optimizer === "sgd" ? 1 : 2) * 4 : tableStateBytes(rows, w, optimizer);
  }
  if (model.weightedPooling === "learned")
    model.tableRows.forEach((rows, t) => (out[t]! += rows * (optimizer === "sgd" ? 1 : 2) * 4));
  return out;
}

/**
 * Places the T tables on `worldSize` ranks: tables in decreasing cost order (cost = share of
 * all bytes + share of all lookups; ties by table number), each on the rank with the least
 * cost so far (ties to the lowest rank). Deterministic: every rank computes the same plan.
 * `meanBagSize` is the expected indices per bag (lookups are B x meanBagSize x dim per table);
 * bytes are `tableBytes`'.
 */
export function planTables(
  model: ModelConfig,
  optimizer: OptimizerName,
  worldSize: number,
  batchSize: number,
  meanBagSize: number,
): TablePlan {
  const T = model.tableRows.length;
  const bytes = tableBytes(model, optimizer);
  const lookups = model.tableRows.map(() => batchSize * meanBagSize);
  const totalBytes = bytes.reduce((a, b) => a + b, 0) || 1;
  const totalLookups = lookups.reduce((a, b) => a + b, 0) || 1;
  const cost = bytes.map((b, t) => b / totalBytes + lookups[t]! / totalLookups);
  const order = Array.from({ length: T }, (_, t) => t).sort((a, b) => cost[b]! - cost[a]! || a - b);
  const load = new Array<number>(worldSize).fill(0);
  const owner = new Array<number>(T).fill(0);
  for (const t of order) {
    let best = 0;
    for (let r = 1; r < worldSize; r++) if (load[r]! < load[best]! - 1e-12) best = r;
    owner[t] = best;
    load[best]! += cost[t]!;
  }
  const ownedTables = Array.from({ length: worldSize }, (_, r) => owner.flatMap((o, t) => (o === r ? [t] : [])));
  return {
    worldSize,
    owner,
    ownedTables,
    tableBytes: ownedTables.map((ts) => ts.reduce((a, t) => a + bytes[t]!, 0)),
    lookupsPerStep: ownedTables.map((ts) => ts.reduce((a, t) => a + lookups[t]!, 0)),
  };
}
