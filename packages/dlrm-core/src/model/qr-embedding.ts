/**
 * dlrm's quotient-remainder embeddings (QREmbeddingBag, mode sum) on the contract's ops:
 * each large table is two physical tables, pooled separately, then combined into the
 * model's pooled [B, T*W]: mult q * r and add q + r with the cross layer's element-wise op
 * (out = x0 * y + xl), concat by placing q_t and r_t side by side in one group (W = 2D).
 * Tables at or below the threshold stay plain; for mult their remainder column is 1. The
 * layer holds the tables of its context (all, or one rank's: a QR table's two sub-tables
 * always together), pooling over them only.
 */
import type { Backend, Tensor } from "../backend.js";
import type { DenseParam } from "./cross-net.js";
import type { EmbeddingGroup } from "./embedding-group.js";
import {
  physicalGroup,
  type EmbeddingLayer,
  type GroupPiece,
  type LayerContext,
  type PhysicalPiece,
} from "./embedding-layer.js";
import type { QrVariant } from "./embedding-variant.js";

export class QrEmbedding implements EmbeddingLayer {
  readonly groups: EmbeddingGroup[];
  readonly pieces: PhysicalPiece[];
  readonly denseParams: DenseParam[] = [];
  private readonly size: number;
  private readonly q?: { pooled: Tensor; dPooled: Tensor };
  private readonly r?: { pooled: Tensor; dPooled: Tensor };
  /** mult: [T*D], 1 in plain tables' columns (their remainder bags are empty); add: [B*T*D] ones. */
  private readonly constant?: Tensor;
  /** mult: [B*T*D] zeros (the xl of q * r + 0) and the discarded identity gradient. */
  private readonly zeros?: Tensor;
  private readonly scratch?: Tensor;
  private readonly plainColumns: boolean[];

  /** Pools into `pooled` [B, T*W] and reads `dPooled` (W = 2D for concat, else D). */
  constructor(
    be: Backend,
    private readonly ctx: LayerContext,
    private readonly variant: QrVariant,
    private readonly pooled: Tensor,
    private readonly dPooled: Tensor,
  ) {
    const { dim: D, batchSize: B } = ctx;
    const T = ctx.tableRows.length;
    const layouts = ctx.layouts;
    const at = (t: number): number => ctx.tables[t]!;
    this.plainColumns = layouts.map((l) => l.kind === "plain");
    this.size = B * T * D;
    const c = variant.collisions;
    const quotient = (t: number): GroupPiece => {
      const l = layouts[t]!;
      return l.kind === "qr"
        ? {
            table: t,
            rows: l.quotientRows,
            name: `emb_l.${at(t)}.weight_q`,
            source: { table: t, row: (i) => Math.floor(i / c) },
          }
        : { table: t, rows: l.rows, name: `emb_l.${at(t)}.weight`, source: { table: t, row: (i) => i } };
    };
    const remainder = (t: number): GroupPiece =>
      layouts[t]!.kind === "qr"
        ? { table: t, rows: c, name: `emb_l.${at(t)}.weight_r`, source: { table: t, row: (i) => i % c } }
        : { table: t, rows: 1 };
    const tables = layouts.map((_, t) => t);
    if (variant.operation === "concat") {
      const g = physicalGroup(
        be,
        ctx,
        D,
        tables.flatMap((t) => [quotient(t), remainder(t)]),
        { pooled, dPooled },
      );
      this.groups = [g.group];
      this.pieces = g.named;
      return;
    }
    const buffers = (what: string, shareGradient: boolean): { pooled: Tensor; dPooled: Tensor } => ({
      pooled: be.alloc([B, T * D], "f32", `pooled ${what} embeddings`),
      dPooled: shareGradient ? dPooled : be.alloc([B, T * D], "f32", `pooled ${what} embeddings gradient`),
    });
    const add = variant.operation === "add";
    this.q = buffers("quotient", add);
    this.r = buffers("remainder", add);
    const gq = physicalGroup(be, ctx, D, tables.map(quotient), this.q);
    const gr = physicalGroup(be, ctx, D, tables.map(remainder), this.r);
    this.groups = [gq.group, gr.group];
    this.pieces = [...gq.named, ...gr.named].sort(
      (a, b) => a.shard.table - b.shard.table || (a.name < b.name ? -1 : 1),
    );
    if (add) {
      this.constant = be.alloc([this.size], "f32", "QR add: ones");
    } else {
      this.constant = be.alloc([T * D], "f32", "QR mult: plain tables' remainder (1)");
      this.zeros = be.alloc([this.size], "f32", "QR mult: zeros");
      this.scratch = be.alloc([this.size], "f32", "QR mult: unused identity gradient");
    }
  }

  init(be: Backend): void {
    if (this.constant === undefined) return;
    if (this.variant.operation === "add") {
      be.fill({ t: this.constant, value: 1 });
      return;
    }
    const D = this.ctx.dim;
    const ones = new Float32Array(this.plainColumns.length * D);
    this.plainColumns.forEach((plain, t) => ones.fill(plain ? 1 : 0, t * D, (t + 1) * D));
    be.write(this.constant, ones);
    be.fill({ t: this.zeros!, value: 0 });
  }

  /** concat: pooled = [q_t, r_t] per table; add: pooled = q * 1 + r; mult: pooled = q * (r + plain mask) + 0. */
  forward(be: Backend): void {
    for (const g of this.groups) g.forward(be);
    if (this.q === undefined || this.r === undefined) return;
    const size = this.size;
    if (this.variant.operation === "add") {
      be.crossForward({ x0: this.q.pooled, y: this.constant!, xl: this.r.pooled, out: this.pooled, size });
      return;
    }
    const cols = this.plainColumns.length * this.ctx.dim;
    be.biasAddForward({ y: this.r.pooled, bias: this.constant!, rows: this.ctx.batchSize, cols });
    be.crossForward({ x0: this.q.pooled, y: this.r.pooled, xl: this.zeros!, out: this.pooled, size });
  }

  /** mult: dq = dPooled * r, dr = dPooled * q; add and concat: the groups read dPooled itself. */
  backwardAndStep(be: Backend, lr: number): void {
    if (this.variant.operation === "mult") {
      be.crossBackward({
        x0: this.q!.pooled,
        y: this.r!.pooled,
        dOut: this.dPooled,
        dY: this.r!.dPooled,
        dX0: this.q!.dPooled,
        dXl: this.scratch!,
        size: this.size,
        accumulate: false,
      });
    }
    for (const g of this.groups) g.backwardAndStep(be, lr);
  }
}
