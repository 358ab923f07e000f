/**
 * One rank's part of the model's files: the whole model's tensors in one process's file
 * order (weights, then `optimizer.<name>.sum`), with data only where this rank writes it
 * (its table pieces, a replicated table on its first rank, the replicated MLPs on rank 0).
 * Checkpoints and --save-model files hold whole tensors whatever the plan: written under one
 * plan and world size, they load under any other.
 */
import type { ShardedEntry, TensorPart } from "../checkpoint/sharded-write.js";
import { optimizerTensorName } from "../checkpoint/checkpoint.js";
import { parameterSpecs } from "../model/parameters.js";
import type { DlrmModel, TablePiece } from "../model/dlrm.js";
import type { Tensor } from "../backend.js";
import type { ShardingPlan } from "./shards.js";

/** Whether `name` belongs to one table (emb_l.<t>.*, v_W_l.<t>): written by the rank that holds it, not rank 0. */
const perTable = (name: string): boolean => tableOf(name) !== undefined;

/** The table a per-table parameter name belongs to. */
function tableOf(name: string): number | undefined {
  const m = /^(?:emb_l\.(\d+)\.|v_W_l\.(\d+)$)/.exec(name);
  return m === null ? undefined : Number(m[1] ?? m[2]);
}

/** Whether this rank writes piece `p`: not a replicated table's copy on any rank but its first. */
function writesPiece(model: DlrmModel, p: TablePiece): boolean {
  if (p.shard.kind !== "replicated") return true;
  const placement = model.shard?.plan.placements[p.shard.table];
  return (placement?.ranks[0] ?? 0) === (model.shard?.rank ?? 0);
}

async function part(model: DlrmModel, p: TablePiece, t: Tensor, rowWiseAcc: boolean): Promise<TensorPart> {
  const s = p.shard;
  return {
    rowStart: s.rowStart,
    rowEnd: s.rowEnd,
    colStart: rowWiseAcc ? 0 : s.colStart,
    colEnd: rowWiseAcc ? 1 : s.colEnd,
    data: (await model.backend.read(t)) as Float32Array,
  };
}

/** Parameters, and with `withOptimizer` the optimizer state, as sharded entries. */
export async function shardEntries(model: DlrmModel, withOptimizer: boolean): Promise<ShardedEntry[]> {
  const m = model.config.model;
  const be = model.backend;
  const specs = parameterSpecs(m);
  const lead = (model.shard?.rank ?? 0) === 0;
  const rowWise = model.config.optimizer === "rwsadagrad";
  const mlp = new Map(model.namedParameters());
  const accs = new Map(model.namedOptimizerState());
  const entries = async (kind: "weight" | "acc"): Promise<ShardedEntry[]> => {
    const out: ShardedEntry[] = [];
    for (const s of specs) {
      const acc = kind === "acc";
      const shape = s.kind === "table" && acc && rowWise ? [s.shape[0]!, 1] : s.shape;
      const name = acc ? optimizerTensorName(s.name) : s.name;
      const held = (acc ? accs : mlp).get(s.name);
      const whole = model.pieces.find((p) => p.name === s.name && p.shard.kind === "table");
      if (perTable(s.name) && (whole !== undefined || s.kind !== "table")) {
        // A whole table of this rank (QR/MD sub-table, MD projection, v_W_l.<t>, plain table-wise), or none.
        out.push({ name, shape, ...(held === undefined ? {} : { data: (await be.read(held)) as Float32Array }) });
        continue;
      }
      if (s.kind === "table") {
        const parts: TensorPart[] = [];
        for (const p of model.pieces)
          if (p.name === s.name && writesPiece(model, p))
            parts.push(await part(model, p, acc ? p.acc! : p.weight, acc && rowWise));
        out.push({ name, shape, ...(parts.length === 0 ? {} : { parts }) });
        continue;
      }
      out.push({ name, shape, ...(lead && held ? { data: (await be.read(held)) as Float32Array } : {}) });
    }
    return out;
  };
  const weights = await entries("weight");
  if (!withOptimizer || model.config.optimizer === "sgd") return weights;
  return [...weights, ...(await entries("acc"))];
}

/** Before the model exists: the tensor names rank `rank` reads under `plan` (tables it holds a piece of, with their sub-tables, projections and pooling weights; every MLP tensor). */
export function rankNeeds(plan: ShardingPlan, rank: number): (name: string) => boolean {
  const mine = new Set(plan.shards[rank]!.map((s) => s.table));
  return (name) => {
    const t = tableOf(name);
    return t === undefined || mine.has(t);
  };
}
