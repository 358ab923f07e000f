/**
 * The hybrid-parallel training step of one rank: the model's stages with the bytes moved
 * between them. Upload: an all-to-all routes each rank's samples' indices to the pieces'
 * owners. Forward: this rank's table pieces pool over the global batch; one all-to-all
 * gives each rank its samples' slice of every piece (row pieces' partial sums added in rank
 * order, column pieces placed side by side, replicated tables read locally) while the bottom
 * MLP computes; interaction, top MLP, loss. Backward: top MLP and interaction; the reverse
 * all-to-all sends each piece's owner its columns of the pooled gradient for every sample;
 * the MLP gradients are summed over ranks in two buckets (top, then bottom), started as soon
 * as each is ready; the owners' sparse updates; replicated tables sum their touched rows'
 * gradients over ranks and update alike everywhere; the dense update. Each rank's loss
 * gradient is its samples' share of the global batch's mean (lossBackward's meanOver).
 * QR and MD tables travel like plain whole tables: the owner's layer pools them (the MD
 * projection included) into D-wide vectors (2D for QR concat), exchanged as one group.
 */
import type { Communicator } from "../comm/communicator.js";
import type { DlrmModel, ModelShard } from "../model/dlrm.js";
import type { EmbeddingGroup } from "../model/embedding-group.js";
import { shardGroups, type ShardGroup } from "./shards.js";
import { pooledWidth } from "../model/embedding-variant.js";
import { CollectiveQueue, type CommCounters, type Flight } from "./collective-queue.js";
import { exchangeIndices, localBags, type IndexExchange } from "./index-exchange.js";
import type { BatchUploader } from "../train/upload.js";
import type { Batch } from "../data/batch.js";

export type { CommCounters } from "./collective-queue.js";

/** Floats per sample of a rank's exchanged groups: the sum of their pieces' widths. */
const floatsPerSample = (groups: readonly ShardGroup[]): number =>
  groups.reduce((a, g) => a + g.shards.length * g.width, 0);

export class HybridStep {
  readonly comm: Communicator;
  private readonly shard: ModelShard;
  private readonly queue: CollectiveQueue;
  private readonly N: number;
  private readonly b: number;
  private readonly D: number;
  private readonly T: number;
  /** exchanged[s]: rank s's groups that travel by all-to-all, in its order. */
  private readonly exchanged: ShardGroup[][];
  /** Floats per sample each rank exchanges. */
  private readonly rowFloats: number[];
  private readonly own: DlrmModel["exchanged"];
  private readonly replicated: EmbeddingGroup[];
  private readonly pooledHost: Float32Array;
  private readonly exchangeRecv: Float32Array;
  private readonly exchangeSend: Float32Array;
  private dPooledHost: Float32Array = new Float32Array(0);
  private readonly topGrads: Float32Array;
  private readonly bottomGrads: Float32Array;

  constructor(private readonly model: DlrmModel) {
    if (model.shard === undefined) throw new TypeError("HybridStep needs a model built with a ModelShard");
    this.shard = model.shard;
    this.comm = model.shard.comm;
    this.queue = new CollectiveQueue(this.comm);
    this.N = this.shard.worldSize;
    this.b = model.localBatch;
    this.D = pooledWidth(model.config.model.embeddingDim, model.config.model.embeddingVariant);
    this.T = model.config.model.tableRows.length;
    this.exchanged = this.shard.plan.shards.map((s) => shardGroups(s).filter((g) => !g.replicated));
    this.rowFloats = this.exchanged.map(floatsPerSample);
    this.own = model.exchanged;
    this.replicated = model.groups.filter((g) => g.replicated);
    const { b, N, T, D } = this;
    const total = this.rowFloats.reduce((a, f) => a + f, 0);
    const mine = this.rowFloats[this.shard.rank]!;
    this.pooledHost = new Float32Array(b * T * D);
    this.exchangeRecv = new Float32Array(Math.max(b * total, b * N * mine));
    this.exchangeSend = new Float32Array(Math.max(b * total, b * N * mine));
    const size = (ts: { size: number }[]): number => ts.reduce((a, t) => a + t.size, 0);
    this.topGrads = new Float32Array(size(model.mlpGradients("top")));
    this.bottomGrads = new Float32Array(size(model.mlpGradients("bottom")) + 1);
  }

  /**
   * Uploads this rank's part of a global batch: its samples' dense features and targets,
   * and its pieces' bags over the global batch, routed to it by the all-to-all of indices
   * (each rank contributes only its own samples' bags).
   */
  async upload(uploader: BatchUploader, global: Batch): Promise<void> {
    const batch = uploader.prepare(global);
    const cfg = this.model.config;
    const local = localBags(global.sparse, cfg.batchSize, this.T, this.shard.rank * this.b, this.b);
    let routed: IndexExchange | undefined;
    const flight = await this.queue.start("index", 0, async () => {
      routed = await exchangeIndices(this.comm, this.shard.plan, local, this.b);
    });
    await this.queue.wait(flight);
    this.queue.addBytes("index", routed!.bytesSent);
    uploader.write(batch, this.model.groupInputs(routed!.inputs));
  }

  /** Collective time and bytes since the previous call (then zeroed). */
  takeCounters(): CommCounters {
    return this.queue.takeCounters();
  }

  /**
   * Forward pass over the rank's slice: the pieces' embedding bags, then the pooled
   * all-to-all runs while the bottom MLP computes; interaction, top MLP and loss after it.
   */
  async forward(): Promise<void> {
    const m = this.model;
    m.embeddingsForward();
    const exchange = await this.exchangeForwardStart();
    m.bottomForward();
    await this.queue.wait(exchange);
    await this.exchangeForwardFinish();
    m.forwardTop();
  }

  /**
   * Backward pass and every update. `stopHere` is this rank's wish to stop after the step;
   * it rides on the bottom bucket's all-reduce, and the result is true when any rank wished it.
   */
  async backwardAndUpdate(lr: number, stopHere: boolean): Promise<boolean> {
    const m = this.model;
    m.backwardTop();
    const exchange = await this.exchangeBackwardStart();
    const top = await this.reduceStart(this.topGrads, "top");
    m.backwardBottom();
    const bottom = await this.reduceStart(this.bottomGrads, "bottom", stopHere ? 1 : 0);
    await this.queue.wait(exchange);
    this.exchangeBackwardFinish();
    m.sparseUpdate(lr, false);
    await this.replicatedUpdate(lr);
    await this.queue.wait(top);
    await this.queue.wait(bottom);
    this.reduceFinish(this.topGrads, "top");
    this.reduceFinish(this.bottomGrads, "bottom");
    m.denseUpdate(lr);
    return this.bottomGrads[this.bottomGrads.length - 1]! > 0;
  }

  /**
   * Each own group's pooled [B, n w] holds rows s*b .. (s+1)*b for rank s as one block; rank
   * s receives, from every rank r, r's groups' blocks in r's group order.
   */
  private async exchangeForwardStart(): Promise<Flight> {
    const { b, N, rowFloats } = this;
    const r = this.shard.rank;
    const send = this.exchangeSend;
    const blocks: { data: Float32Array; f: number }[] = [];
    for (const g of this.own)
      blocks.push({ data: (await this.model.backend.read(g.pooled)) as Float32Array, f: g.floats });
    let at = 0;
    for (let s = 0; s < N; s++)
      for (const { data, f } of blocks) {
        send.set(data.subarray(s * b * f, (s + 1) * b * f), at);
        at += b * f;
      }
    const sendCounts = Array.from({ length: N }, () => b * rowFloats[r]!);
    const recvCounts = rowFloats.map((f) => b * f);
    return this.queue.start("allToAll", (N - 1) * b * rowFloats[r]! * 4, () =>
      this.comm.allToAllV(send.subarray(0, at), sendCounts, this.exchangeRecv, recvCounts),
    );
  }

  /** Scatters the received blocks into pooled [b, T D] (row pieces summed in rank order) and adds the replicated tables' own rows. */
  private async exchangeForwardFinish(): Promise<void> {
    const { b, D, T, N } = this;
    const recv = this.exchangeRecv;
    const out = this.pooledHost;
    out.fill(0);
    let at = 0;
    for (let s = 0; s < N; s++) {
      for (const g of this.exchanged[s]!) {
        const w = g.width;
        for (let i = 0; i < b; i++) {
          for (const p of g.shards) {
            const dst = (i * T + p.table) * D + p.colStart;
            if (p.kind === "row") for (let k = 0; k < w; k++) out[dst + k]! += recv[at + k]!;
            else out.set(recv.subarray(at, at + w), dst);
            at += w;
          }
        }
      }
    }
    const lo = this.shard.rank * b;
    for (const g of this.replicated) {
      const f = g.shards.length * D;
      const pooled = (await this.model.backend.read(g.pooled)) as Float32Array;
      for (let i = 0; i < b; i++)
        g.shards.forEach((p, j) => {
          const src = (lo + i) * f + j * D;
          out.set(pooled.subarray(src, src + D), (i * T + p.table) * D);
        });
    }
    this.model.backend.write(this.model.pooled, out);
  }

  /** The reverse: dPooled [b, T D] cut into every rank's pieces' columns, received as [B, n w] per own group. */
  private async exchangeBackwardStart(): Promise<Flight> {
    const { b, D, T, N, rowFloats } = this;
    const r = this.shard.rank;
    const dPooled = (await this.model.backend.read(this.model.dPooled)) as Float32Array;
    this.dPooledHost = dPooled;
    const send = this.exchangeSend;
    let at = 0;
    for (let s = 0; s < N; s++) {
      for (const g of this.exchanged[s]!) {
        const w = g.width;
        for (let i = 0; i < b; i++) {
          for (const p of g.shards) {
            const src = (i * T + p.table) * D + p.colStart;
            send.set(dPooled.subarray(src, src + w), at);
            at += w;
          }
        }
      }
    }
    const sendCounts = rowFloats.map((f) => b * f);
    const recvCounts = Array.from({ length: N }, () => b * rowFloats[r]!);
    const toOthers = (at - b * rowFloats[r]!) * 4;
    const recv = this.exchangeRecv.subarray(0, b * N * rowFloats[r]!);
    return this.queue.start("allToAll", toOthers, () =>
      this.comm.allToAllV(send.subarray(0, at), sendCounts, recv, recvCounts),
    );
  }

  /** Writes each own group's dPooled [B, n w] from the received blocks, and the replicated groups' (own samples only, zeros elsewhere). */
  private exchangeBackwardFinish(): void {
    const { b, N, D, T } = this;
    const be = this.model.backend;
    const recv = this.exchangeRecv;
    const per = b * this.rowFloats[this.shard.rank]!;
    let offset = 0;
    for (const g of this.own) {
      const f = g.floats;
      const host = new Float32Array(N * b * f);
      for (let s = 0; s < N; s++) host.set(recv.subarray(s * per + offset, s * per + offset + b * f), s * b * f);
      be.write(g.dPooled, host);
      offset += b * f;
    }
    const lo = this.shard.rank * b;
    const dPooled = this.dPooledHost;
    for (const g of this.replicated) {
      const f = g.shards.length * D;
      const host = new Float32Array(g.dPooled.size);
      for (let i = 0; i < b; i++)
        g.shards.forEach((p, j) => {
          const src = (i * T + p.table) * D;
          host.set(dPooled.subarray(src, src + D), (lo + i) * f + j * D);
        });
      be.write(g.dPooled, host);
    }
  }

  /**
   * Replicated tables: each rank's row gradients (its own samples' share, over the global
   * batch's unique rows, which every rank knows) are summed over ranks in rank order, and
   * every rank applies the same sparse update.
   */
  private async replicatedUpdate(lr: number): Promise<void> {
    const be = this.model.backend;
    for (const g of this.replicated) {
      g.backward(be);
      const n = g.numUnique * g.width;
      const rows = ((await be.read(g.dRows)) as Float32Array).slice(0, n);
      const flight = await this.queue.start("allReduce", 2 * ((this.N - 1) / this.N) * n * 4, () =>
        this.comm.allReduceSum(rows),
      );
      await this.queue.wait(flight);
      be.write(g.dRows, rows);
      g.step(be, lr);
    }
  }

  /** Packs one bucket of MLP gradients (and, last, `flag`) and queues their fixed-order sum over ranks. */
  private async reduceStart(host: Float32Array, part: "top" | "bottom", flag?: number): Promise<Flight> {
    const be = this.model.backend;
    let at = 0;
    for (const g of this.model.mlpGradients(part)) {
      host.set((await be.read(g)) as Float32Array, at);
      at += g.size;
    }
    if (flag !== undefined) host[at] = flag;
    return this.queue.start("allReduce", 2 * ((this.N - 1) / this.N) * host.length * 4, () =>
      this.comm.allReduceSum(host),
    );
  }

  /** Writes one bucket's summed gradients back. */
  private reduceFinish(host: Float32Array, part: "top" | "bottom"): void {
    const be = this.model.backend;
    let at = 0;
    for (const g of this.model.mlpGradients(part)) {
      be.write(g, host.subarray(at, at + g.size));
      at += g.size;
    }
  }

  /** Loss statistics [sum of losses, correct, samples] summed over ranks (float64). */
  async globalStats(local: ArrayLike<number>): Promise<number[]> {
    const buf = Float64Array.from(local);
    await this.queue.wait(await this.queue.start("allReduce", 0, () => this.comm.allReduceSum(buf)));
    return [...buf];
  }
}
