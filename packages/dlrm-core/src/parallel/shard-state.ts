/**
 * One rank's part of the model's files: the whole model's tensors in one process's file
 * order (weights, then `optimizer.<name>.sum`), with data only where this rank writes it
 * (its own tables; the replicated MLPs on rank 0). Checkpoints and --save-model files
 * written at any world size are the same bytes, and load at any other.
 */
import type { ShardedEntry } from "../checkpoint/sharded-write.js";
import { optimizerTensorName } from "../checkpoint/checkpoint.js";
import { parameterSpecs } from "../model/parameters.js";
import type { DlrmModel } from "../model/dlrm.js";

/** Whether the rank holding `model` writes tensor `name` (a parameter name). */
function writes(model: DlrmModel, name: string, byName: Map<string, unknown>): boolean {
  if (!byName.has(name)) return false;
  return name.startsWith("emb_l.") || (model.shard?.rank ?? 0) === 0;
}

/** Parameters, and with `withOptimizer` the optimizer state, as sharded entries. */
export async function shardEntries(model: DlrmModel, withOptimizer: boolean): Promise<ShardedEntry[]> {
  const m = model.config.model;
  const be = model.backend;
  const specs = parameterSpecs(m);
  const params = new Map(model.namedParameters());
  const out: ShardedEntry[] = [];
  for (const s of specs) {
    const t = params.get(s.name);
    out.push({
      name: s.name,
      shape: s.shape,
      ...(writes(model, s.name, params) && t ? { data: (await be.read(t)) as Float32Array } : {}),
    });
  }
  if (!withOptimizer || model.config.optimizer === "sgd") return out;
  const accs = new Map(model.namedOptimizerState());
  const rowWise = model.config.optimizer === "rwsadagrad";
  for (const s of specs) {
    const t = accs.get(s.name);
    const shape = s.kind === "table" && rowWise ? [s.shape[0]!, 1] : s.shape;
    out.push({
      name: optimizerTensorName(s.name),
      shape,
      ...(writes(model, s.name, accs) && t ? { data: (await be.read(t)) as Float32Array } : {}),
    });
  }
  return out;
}

/** Before the model exists: the tensor names rank `rank` reads under `plan` (its tables, every MLP tensor). */
export function rankNeeds(ownedTables: readonly number[]): (name: string) => boolean {
  const mine = new Set(ownedTables);
  return (name) => {
    const m = /^emb_l\.(\d+)\.weight$/.exec(name);
    return m === null || mine.has(Number(m[1]));
  };
}
