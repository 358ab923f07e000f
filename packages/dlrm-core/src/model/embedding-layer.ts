/**
 * The contract between the model and an embedding layer that is not plain tables (QR, MD):
 * its groups of physical tables (the uploader fills their bags), its named parameters, and
 * the forward and backward calls that turn the groups' pooled bags into the model's pooled
 * [B, T*W] and back. Also the helper that builds a group of whole physical tables. A layer
 * holds every table in one process, or (hybrid parallel, table-wise) one rank's own tables.
 */
import type { Backend, Tensor } from "../backend.js";
import type { OptimizerName } from "../config.js";
import type { Precision } from "../backend.js";
import type { TableShard } from "../parallel/shards.js";
import type { DenseParam } from "./cross-net.js";
import { EmbeddingGroup } from "./embedding-group.js";
import { remapBags, type PieceSource } from "./bag-remap.js";
import type { TableLayout } from "./embedding-variant.js";

/** One physical table the model holds, with its tensors (`name`: its dlrm state_dict name). */
export interface PhysicalPiece {
  name: string;
  shard: TableShard;
  weight: Tensor;
  acc?: Tensor;
}

/**
 * What a layer needs from the model: shapes, batch limits and the optimizer. The layer's
 * logical tables are numbered 0..n-1 locally (its bags: n*B, table-major); `tables` gives
 * their model-wide numbers (the parameters' names) and `layouts` their layouts, taken from
 * the whole model's (MD's widths depend on every table).
 */
export interface LayerContext {
  /** Rows of the layer's logical tables, local order. */
  tableRows: readonly number[];
  /** tables[j]: the model-wide number of local table j. */
  tables: readonly number[];
  /** layouts[j]: how local table j is stored. */
  layouts: readonly TableLayout[];
  dim: number;
  batchSize: number;
  maxIndicesPerBag: number;
  optimizer: OptimizerName;
  precision: Precision;
}

export interface EmbeddingLayer {
  /** The groups whose bags the uploader writes (each with its `inputMap`). */
  readonly groups: EmbeddingGroup[];
  /** The physical tables that are parameters, in state_dict order. */
  readonly pieces: PhysicalPiece[];
  /** Dense parameters of the layer (MD projections), stepped with the MLPs. */
  readonly denseParams: DenseParam[];
  /** Writes the layer's constant tensors; once, before the first step. */
  init(be: Backend): void;
  /** The model's pooled [B, T*W] from the batch's bags. */
  forward(be: Backend): void;
  /** From the model's dPooled: every gradient of the layer and the sparse steps. */
  backwardAndStep(be: Backend, lr: number): void;
}

/** One piece of a physical group: its source bags and rows, or `name` undefined for an unused placeholder (1 row, empty bags). */
export interface GroupPiece {
  /** The local table it belongs to (its shard carries the model-wide number). */
  table: number;
  rows: number;
  name?: string;
  source?: PieceSource;
}

/**
 * A group of whole physical tables of one `width`, its bags remapped from the logical ones,
 * pooling into `pooled` when given. Placeholders keep a table's column position in the
 * pooled output without being parameters: their bags are empty, so they pool to zeros.
 */
export function physicalGroup(
  be: Backend,
  ctx: LayerContext,
  width: number,
  pieces: readonly GroupPiece[],
  pooled?: { pooled: Tensor; dPooled: Tensor },
): { group: EmbeddingGroup; named: PhysicalPiece[] } {
  const shards: TableShard[] = pieces.map((p) => ({
    table: ctx.tables[p.table]!,
    rank: 0,
    kind: "table",
    rowStart: 0,
    rowEnd: p.name === undefined ? 1 : p.rows,
    colStart: 0,
    colEnd: width,
  }));
  const names = pieces.map((p) => p.name ?? `emb_l.${ctx.tables[p.table]!} placeholder (empty bags)`);
  const group = new EmbeddingGroup(
    be,
    { width, replicated: false, shards },
    ctx.tableRows,
    width,
    ctx.batchSize,
    { maxIndicesPerBag: ctx.maxIndicesPerBag },
    ctx.optimizer,
    pooled,
    names,
  );
  const sources = pieces.map((p) => (p.name === undefined ? undefined : p.source));
  group.inputMap = (logical) => remapBags(logical, ctx.tableRows, ctx.batchSize, sources);
  const named: PhysicalPiece[] = [];
  pieces.forEach((p, i) => {
    if (p.name === undefined) return;
    const acc = group.accs[i];
    named.push({ name: p.name, shard: shards[i]!, weight: group.tables[i]!, ...(acc === undefined ? {} : { acc }) });
  });
  return { group, named };
}
