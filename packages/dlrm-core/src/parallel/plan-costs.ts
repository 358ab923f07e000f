/**
 * What a sharding plan costs each rank per training step: parameter and optimizer-state
 * bytes, the estimated memory (train/memory.ts, the figure the trainer checks), the bytes
 * it sends in the pooled-embedding all-to-all and in the gradient all-reduce, and its
 * embedding lookups. `dlrm plan` and the start-up report print these; the planner uses the
 * same memory figures to refuse a plan that cannot fit.
 */
import {
  DEFAULT_TRAIN_CONFIG,
  localBatchSize,
  type ModelConfig,
  type OptimizerName,
  type TrainConfig,
} from "../config.js";
import { crossSpecs, mlpLayers } from "../model/parameters.js";
import { physicalTableSpecs } from "../model/embedding-variant.js";
import { estimateMemory } from "../train/memory.js";
import { shardRows, shardWidth, type ShardingPlan, type TableShard } from "./shards.js";

const F32 = 4;

/** The batch and bag sizes a plan is costed for. */
export interface CostRequest {
  /** Global batch size B (each rank trains on B / worldSize samples). */
  batchSize: number;
  /** Expected indices per bag: each table is looked up B x meanBagSize times per step. */
  meanBagSize: number;
  /** Largest bag, for the memory estimate's batch buffers; default ceil(meanBagSize). */
  maxIndicesPerBag?: number;
}

/**
 * One rank's costs per step. Byte counts are f32 bytes this rank sends to other ranks; all
 * are 0 with one rank. b = batchSize / worldSize, w = a piece's width (floats per row).
 */
export interface RankCosts {
  rank: number;
  /** Its pieces' rows x w x 4 (QR/MD: their physical tables and projections, `storedFloats`; v_W_l.<t> rows), plus the MLP replica's parameters x 4. */
  parameterBytes: number;
  /** Adagrad: rows x w x 4 per piece (rwsadagrad: rows x 4; sgd: 0), plus MLP parameters x 4 (sgd: 0). */
  optimizerBytes: number;
  /** estimateMemory for this rank's pieces: tables, state, MLP replica, activations, buffers. */
  memoryBytes: number;
  /** Forward: (N-1) x b x w x 4 per non-replicated piece it holds (its pooled rows to every other rank). */
  allToAllForwardBytes: number;
  /** Backward: b x w x 4 per non-replicated piece held by another rank (its samples' gradients to that owner). */
  allToAllBackwardBytes: number;
  /** Indices: b x (1 + meanBagSize) x 4 per piece held by another rank (its samples' bag lengths and indices to that owner; a row piece its share). */
  allToAllIndexBytes: number;
  /** Forward + backward + index bytes. */
  allToAllBytes: number;
  /** 2 (N-1)/N x (MLP parameters + 1 flag float) x 4: a reduce-scatter and an all-gather. */
  allReduceMlpBytes: number;
  /**
   * 2 (N-1)/N x U x D x 4 per replicated table, U = min(rows, batchSize x meanBagSize): an
   * upper bound, as if every looked-up row were distinct.
   */
  allReduceReplicatedBytes: number;
  allReduceBytes: number;
  /** Embedding rows it looks up per step (row-wise pieces: their share of rows, indices taken as uniform). */
  lookups: number;
  /** Floats it gathers per step: lookups x piece width (the embedding compute). */
  lookupFloats: number;
}

export interface PlanCosts {
  worldSize: number;
  batchSize: number;
  meanBagSize: number;
  /** Parameters of the bottom and top MLPs (one replica). */
  mlpParameters: number;
  perRank: RankCosts[];
}

/** Weights and biases of both MLPs of `m`. */
export function mlpParameterCount(m: ModelConfig): number {
  const { bottom, top } = mlpLayers(m);
  let n = 0;
  for (const widths of [bottom, top])
    for (let i = 0; i + 1 < widths.length; i++) n += widths[i + 1]! * (widths[i]! + 1);
  for (const s of crossSpecs(m)) n += s.shape.reduce((a, d) => a * d, 1);
  return n;
}

/** The configuration estimateMemory reads (model, optimizer, global batch); the rest is irrelevant to it. */
export function memoryConfig(model: ModelConfig, optimizer: OptimizerName, batchSize: number): TrainConfig {
  return { ...DEFAULT_TRAIN_CONFIG, model, optimizer, batchSize };
}

/** The largest bag the memory estimate assumes for `req`. */
export function maxBag(req: CostRequest): number {
  return req.maxIndicesPerBag ?? Math.max(1, Math.ceil(req.meanBagSize));
}

/** Optimizer-state floats per row of a piece of width w. */
export function stateFloatsPerRow(optimizer: OptimizerName, w: number): number {
  return optimizer === "sgd" ? 0 : optimizer === "rwsadagrad" ? 1 : w;
}

/** Estimated memory of one rank holding `shards` (estimateMemory, the trainer's own figure). */
export function rankMemoryBytes(
  model: ModelConfig,
  optimizer: OptimizerName,
  req: CostRequest,
  worldSize: number,
  shards: readonly TableShard[],
): number {
  return estimateMemory(memoryConfig(model, optimizer, req.batchSize), maxBag(req), { shards, worldSize }).totalBytes;
}

/**
 * Lookups per step of one piece: the whole global batch (a replicated table too: every copy
 * pools the global batch, whose indices every rank receives, and keeps its own samples'
 * rows); a row piece its share, indices taken as uniform over the rows.
 */
export function pieceLookups(s: TableShard, tableRows: number, req: CostRequest, _worldSize: number): number {
  const all = req.batchSize * req.meanBagSize;
  if (s.kind === "row") return (all * shardRows(s)) / tableRows;
  return all;
}

/**
 * Bytes of the all-to-all of indices one rank sends to the holder of piece `s` (another
 * rank): a length per bag and the indices of its b samples' bags for that piece, b x (1 +
 * meanBagSize) x 4 (a row piece: its share of the indices, taken as uniform).
 */
export function pieceIndexBytes(s: TableShard, tableRows: number, req: CostRequest, b: number): number {
  const share = s.kind === "row" ? shardRows(s) / tableRows : 1;
  return b * (1 + req.meanBagSize * share) * F32;
}

/**
 * Floats piece `s` stores (parameters, optimizer state) and gathers per lookup: rows x w for
 * a plain piece; for a whole QR or MD table its physical tables (weight_q and weight_r; the
 * narrow embs) and MD's projection (a dense parameter: Adagrad state of its size, none for
 * sgd); plus a table's learned pooling weights v_W_l.<t> (rows, and rows of state but for sgd).
 */
export function storedFloats(
  model: ModelConfig,
  optimizer: OptimizerName,
  s: TableShard,
): { parameters: number; state: number; lookupWidth: number } {
  const rows = shardRows(s);
  const w = shardWidth(s);
  const out =
    model.embeddingVariant === undefined
      ? { parameters: rows * w, state: rows * stateFloatsPerRow(optimizer, w), lookupWidth: w }
      : { parameters: 0, state: 0, lookupWidth: 0 };
  if (model.embeddingVariant !== undefined)
    for (const p of physicalTableSpecs(model.tableRows, model.embeddingDim, model.embeddingVariant)) {
      if (p.table !== s.table) continue;
      const [n, pw] = p.shape;
      out.parameters += n * pw;
      if (p.role === "proj") {
        out.state += optimizer === "sgd" ? 0 : n * pw;
        continue;
      }
      out.state += n * stateFloatsPerRow(optimizer, pw);
      out.lookupWidth += pw;
    }
  if (model.weightedPooling === "learned") {
    out.parameters += rows;
    out.state += optimizer === "sgd" ? 0 : rows;
  }
  return out;
}

/** Every rank's costs per step under `plan` (the byte model in RankCosts). */
export function planCosts(
  model: ModelConfig,
  optimizer: OptimizerName,
  req: CostRequest,
  plan: ShardingPlan,
): PlanCosts {
  const N = plan.worldSize;
  const b = localBatchSize(req.batchSize, N);
  const D = model.embeddingDim;
  const mlp = mlpParameterCount(model);
  const mlpState = optimizer === "sgd" ? 0 : mlp;
  const ring = (2 * (N - 1)) / N;
  const exchanged = plan.shards.flat().filter((s) => s.kind !== "replicated");
  const perRank = plan.shards.map((mine, r): RankCosts => {
    let parameterFloats = mlp;
    let stateFloats = mlpState;
    let forward = 0;
    let lookups = 0;
    let lookupFloats = 0;
    let replicatedFloats = 0;
    for (const s of mine) {
      const rows = shardRows(s);
      const w = shardWidth(s);
      const stored = storedFloats(model, optimizer, s);
      parameterFloats += stored.parameters;
      stateFloats += stored.state;
      if (s.kind === "replicated") {
        replicatedFloats += Math.min(rows, req.batchSize * req.meanBagSize) * D;
      } else {
        forward += (N - 1) * b * w * F32;
      }
      const l = pieceLookups(s, model.tableRows[s.table]!, req, N);
      lookups += l;
      lookupFloats += l * stored.lookupWidth;
    }
    const backward = exchanged.reduce((a, s) => (s.rank === r ? a : a + b * shardWidth(s) * F32), 0);
    const index = plan.shards
      .flat()
      .reduce((a, s) => (s.rank === r ? a : a + pieceIndexBytes(s, model.tableRows[s.table]!, req, b)), 0);
    const allReduceMlpBytes = ring * (mlp + 1) * F32;
    const allReduceReplicatedBytes = ring * replicatedFloats * F32;
    return {
      rank: r,
      parameterBytes: parameterFloats * F32,
      optimizerBytes: stateFloats * F32,
      memoryBytes: rankMemoryBytes(model, optimizer, req, N, mine),
      allToAllForwardBytes: forward,
      allToAllBackwardBytes: backward,
      allToAllIndexBytes: index,
      allToAllBytes: forward + backward + index,
      allReduceMlpBytes,
      allReduceReplicatedBytes,
      allReduceBytes: allReduceMlpBytes + allReduceReplicatedBytes,
      lookups,
      lookupFloats,
    };
  });
  return { worldSize: N, batchSize: req.batchSize, meanBagSize: req.meanBagSize, mlpParameters: mlp, perRank };
}
