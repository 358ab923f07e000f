/**
 * dlrm's mixed-dimension embeddings (PrEmbeddingBag, mode sum) on the contract's ops: each
 * large table t is a d_t-wide table pooled on its own, then projected to D by a bias-free
 * Linear (gemm, y = x W^T) when d_t < D. The projected bags are placed at their table's
 * columns by an embedding-bag gather (bag (t, b) = row b of y_t) and added to the plain
 * tables' pooled output (whose columns for MD tables are empty bags, zeros). The layer holds
 * the tables of its context (all, or one rank's: an MD table with its projection), so the
 * pooled vectors it hands on are D wide.
 */
import type { Backend, SparseBatchTensors, Tensor } from "../backend.js";
import { buildSparseBatch, type HostSparseBatch } from "../data/sparse-batch.js";
import type { DenseParam } from "./cross-net.js";
import type { EmbeddingGroup } from "./embedding-group.js";
import { physicalGroup, type EmbeddingLayer, type LayerContext, type PhysicalPiece } from "./embedding-layer.js";

/** One MD table: its narrow group, the projection (absent when d_t = D) and its D-wide output y_t [B, D]. */
interface MdTable {
  table: number;
  width: number;
  group: EmbeddingGroup;
  proj?: DenseParam;
  y: Tensor;
  dY: Tensor;
  /** The gather's backward input: only this table's bags, one row b per bag b. */
  gather: ConstantSparse;
}

/** Sparse tensors written once (the gather's bags never change). */
interface ConstantSparse {
  tensors: SparseBatchTensors;
  host: HostSparseBatch;
}

function constantSparse(be: Backend, host: HostSparseBatch, what: string): ConstantSparse {
  const at = (n: number): number[] => [Math.max(n, 1)];
  return {
    host,
    tensors: {
      indices: be.alloc(at(host.indices.length), "i32", `${what} indices`),
      offsets: be.alloc(at(host.offsets.length), "i32", `${what} offsets`),
      uniqueRows: be.alloc(at(host.uniqueRows.length), "i32", `${what} unique rows`),
      tableUniqueOffsets: be.alloc(at(host.tableUniqueOffsets.length), "i32", `${what} table unique offsets`),
      csrOffsets: be.alloc(at(host.csrOffsets.length), "i32", `${what} CSR offsets`),
      csrBags: be.alloc(at(host.csrBags.length), "i32", `${what} CSR bags`),
    },
  };
}

function writeSparse(be: Backend, s: ConstantSparse): void {
  const put = (t: Tensor, data: Int32Array): void => {
    const full = new Int32Array(t.size);
    full.set(data);
    be.write(t, full);
  };
  const { tensors: t, host: h } = s;
  put(t.indices, h.indices);
  put(t.offsets, h.offsets);
  put(t.uniqueRows, h.uniqueRows);
  put(t.tableUniqueOffsets, h.tableUniqueOffsets);
  put(t.csrOffsets, h.csrOffsets);
  put(t.csrBags, h.csrBags);
}

/** The gather's bags over T*B: bag (t, b) = {b} for the tables in `tables`, empty for the rest. */
function gatherBags(T: number, B: number, tables: readonly number[]): HostSparseBatch {
  const offsets = new Int32Array(T * B + 1);
  const indices = new Int32Array(tables.length * B);
  let at = 0;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      offsets[t * B + b] = at;
      if (tables.includes(t)) indices[at++] = b;
    }
  }
  offsets[T * B] = at;
  const rows = Array.from({ length: T }, (_, t) => (tables.includes(t) ? B : 1));
  return buildSparseBatch({ indices, offsets }, rows, B);
}

export class MdEmbedding implements EmbeddingLayer {
  readonly groups: EmbeddingGroup[];
  readonly pieces: PhysicalPiece[];
  readonly denseParams: DenseParam[];
  private readonly plain: EmbeddingGroup;
  private readonly md: MdTable[];
  private readonly plainPooled: Tensor;
  private readonly mdPooled: Tensor;
  private readonly ones: Tensor;
  /** The gather's source per table: y_t for MD tables, a 1-row placeholder for the rest. */
  private readonly gatherTables: Tensor[];
  private readonly gatherAll: ConstantSparse;

  /** Pools into `pooled` [B, T*D] and reads `dPooled`; `adagrad`: the projections get Adagrad state. */
  constructor(
    be: Backend,
    private readonly ctx: LayerContext,
    private readonly pooled: Tensor,
    private readonly dPooled: Tensor,
    adagrad: boolean,
  ) {
    const { dim: D, batchSize: B } = ctx;
    const T = ctx.tableRows.length;
    const layouts = ctx.layouts;
    const at = (t: number): number => ctx.tables[t]!;
    this.plainPooled = be.alloc([B, T * D], "f32", "pooled plain-table embeddings");
    this.mdPooled = be.alloc([B, T * D], "f32", "pooled mixed-dimension embeddings");
    this.ones = be.alloc([B * T * D], "f32", "MD: ones");
    const plain = physicalGroup(
      be,
      ctx,
      D,
      layouts.map((l, t) =>
        l.kind === "plain"
          ? { table: t, rows: l.rows, name: `emb_l.${at(t)}.weight`, source: { table: t, row: (i: number) => i } }
          : { table: t, rows: 1 },
      ),
      { pooled: this.plainPooled, dPooled },
    );
    this.plain = plain.group;
    const named = [...plain.named];
    this.md = [];
    layouts.forEach((l, t) => {
      if (l.kind !== "md") return;
      const name = `emb_l.${at(t)}.embs.weight`;
      const g = physicalGroup(be, ctx, l.width, [
        { table: t, rows: l.rows, name, source: { table: t, row: (i) => i } },
      ]);
      named.push(...g.named);
      const gather = constantSparse(be, gatherBags(T, B, [t]), `emb_l.${at(t)} gather`);
      if (!l.projected) {
        this.md.push({ table: t, width: l.width, group: g.group, y: g.group.pooled, dY: g.group.dPooled, gather });
        return;
      }
      const p = `emb_l.${at(t)}.proj.weight`;
      const proj: DenseParam = {
        name: p,
        param: be.alloc([D, l.width], "f32", p),
        grad: be.alloc([D, l.width], "f32", `${p} gradient`),
        ...(adagrad ? { acc: be.alloc([D, l.width], "f32", `${p} (Adagrad state)`) } : {}),
      };
      const y = be.alloc([B, D], "f32", `emb_l.${at(t)} projected`);
      const dY = be.alloc([B, D], "f32", `emb_l.${at(t)} projected gradient`);
      this.md.push({ table: t, width: l.width, group: g.group, proj, y, dY, gather });
    });
    this.groups = [this.plain, ...this.md.map((m) => m.group)];
    this.pieces = named.sort((a, b) => a.shard.table - b.shard.table);
    this.denseParams = this.md.flatMap((m) => (m.proj === undefined ? [] : [m.proj]));
    const placeholder = be.alloc([1, D], "f32", "MD gather placeholder (empty bags)");
    this.gatherTables = layouts.map((_, t) => this.md.find((m) => m.table === t)?.y ?? placeholder);
    this.gatherAll = constantSparse(
      be,
      gatherBags(
        T,
        B,
        this.md.map((m) => m.table),
      ),
      "MD gather",
    );
  }

  init(be: Backend): void {
    be.fill({ t: this.ones, value: 1 });
    writeSparse(be, this.gatherAll);
    for (const m of this.md) writeSparse(be, m.gather);
  }

  /** pooled = plain tables' bags * 1 + the MD tables' projected bags, each at its table's columns. */
  forward(be: Backend): void {
    const { dim: D, batchSize: B, precision } = this.ctx;
    this.plain.forward(be);
    for (const m of this.md) {
      m.group.forward(be);
      if (m.proj === undefined) continue;
      be.gemm({
        a: m.group.pooled,
        b: m.proj.param,
        c: m.y,
        m: B,
        n: D,
        k: m.width,
        transA: false,
        transB: true,
        alpha: 1,
        beta: 0,
        precision,
      });
    }
    be.embeddingBagsForward({
      tables: this.gatherTables,
      sparse: this.gatherAll.tensors,
      pooled: this.mdPooled,
      batchSize: B,
      dim: D,
    });
    be.crossForward({ x0: this.plainPooled, y: this.ones, xl: this.mdPooled, out: this.pooled, size: this.ones.size });
  }

  /** dy_t = dPooled's columns of table t; dW_t = dy_t^T x_t; dx_t = dy_t W_t; then each group's sparse step. */
  backwardAndStep(be: Backend, lr: number): void {
    const { dim: D, batchSize: B, precision } = this.ctx;
    const T = this.ctx.tableRows.length;
    for (const m of this.md) {
      be.embeddingBagsBackward({
        dPooled: this.dPooled,
        sparse: m.gather.tensors,
        dRows: m.dY,
        batchSize: B,
        dim: D,
        numTables: T,
      });
      if (m.proj !== undefined) {
        const x = m.group.pooled;
        be.gemm({
          a: m.dY,
          b: x,
          c: m.proj.grad,
          m: D,
          n: m.width,
          k: B,
          transA: true,
          transB: false,
          alpha: 1,
          beta: 0,
          precision,
        });
        be.gemm({
          a: m.dY,
          b: m.proj.param,
          c: m.group.dPooled,
          m: B,
          n: m.width,
          k: D,
          transA: false,
          transB: false,
          alpha: 1,
          beta: 0,
          precision,
        });
      }
      m.group.backwardAndStep(be, lr);
    }
    this.plain.backwardAndStep(be, lr);
  }
}
