/**
 * The hybrid-parallel training step of one rank: the model's four stages with the bytes
 * moved between them. Forward: bottom MLP and own-table embedding bags, all-to-all of the
 * pooled embeddings (each rank receives its sample slice of every table), interaction, top
 * MLP, loss. Backward: top MLP and interaction, the reverse all-to-all of the pooled
 * gradients, the owner's sparse update, bottom MLP, all-reduce of the MLP gradients, the
 * dense update. Each rank's loss gradient is its samples' share of the global batch's mean
 * (lossBackward's meanOver), so every per-sample gradient has one process's bits, and the
 * owner's table gradients and the summed MLP gradients are one process's on the global
 * batch up to the order of the cross-rank sums (no division by N, unlike dlrm).
 */
import type { Communicator } from "../comm/communicator.js";
import type { DlrmModel, ModelShard } from "../model/dlrm.js";

/** Milliseconds waited on collectives and bytes this rank sent, summed since the last `takeCounters`. */
export interface CommCounters {
  allToAllMs: number;
  allToAllBytes: number;
  allReduceMs: number;
  allReduceBytes: number;
}

/** A collective that has started (wrapped: an async function would await a returned promise). */
interface InFlight {
  done: Promise<void>;
}

const zeroCounters = (): CommCounters => ({ allToAllMs: 0, allToAllBytes: 0, allReduceMs: 0, allReduceBytes: 0 });

export class HybridStep {
  readonly comm: Communicator;
  private readonly shard: ModelShard;
  private readonly N: number;
  private readonly b: number;
  private readonly D: number;
  private readonly T: number;
  /** Floats of this rank's pooled block per sample, per rank: |T_s| * D. */
  private readonly rowFloats: number[];
  private readonly pooledHost: Float32Array;
  private readonly exchangeRecv: Float32Array;
  private readonly exchangeSend: Float32Array;
  private readonly gradHost: Float32Array;
  private counters = zeroCounters();

  constructor(private readonly model: DlrmModel) {
    if (model.shard === undefined) throw new TypeError("HybridStep needs a model built with a ModelShard");
    this.shard = model.shard;
    this.comm = model.shard.comm;
    this.N = this.shard.worldSize;
    this.b = model.localBatch;
    this.D = model.config.model.embeddingDim;
    this.T = model.config.model.tableRows.length;
    this.rowFloats = this.shard.plan.ownedTables.map((ts) => ts.length * this.D);
    const own = this.rowFloats[this.shard.rank]!;
    this.pooledHost = new Float32Array(this.b * this.T * this.D);
    this.exchangeRecv = new Float32Array(Math.max(this.b * this.T * this.D, this.b * this.N * own));
    this.exchangeSend = new Float32Array(Math.max(this.b * this.T * this.D, this.b * this.N * own));
    const gradFloats = model.mlpGradients().reduce((a, t) => a + t.size, 0);
    this.gradHost = new Float32Array(gradFloats + 1);
  }

  /** Collective time and bytes since the previous call (then zeroed). */
  takeCounters(): CommCounters {
    const c = this.counters;
    this.counters = zeroCounters();
    return c;
  }

  /**
   * Starts a collective and lets it begin (the transport queues it on a promise chain) before
   * the caller computes on; `wait` then counts only the time the step is held up by it.
   */
  private async start(kind: "allToAll" | "allReduce", bytes: number, run: () => Promise<void>): Promise<InFlight> {
    this.counters[`${kind}Bytes`] += bytes;
    const done = run();
    done.catch(() => undefined);
    await new Promise<void>((resolve) => setImmediate(resolve));
    return { done };
  }

  private async wait(kind: "allToAll" | "allReduce", flight: InFlight): Promise<void> {
    const t0 = performance.now();
    await flight.done;
    this.counters[`${kind}Ms`] += performance.now() - t0;
  }

  /**
   * Forward pass over the rank's slice: own-table embedding bags, then the pooled all-to-all
   * runs while the bottom MLP computes; interaction, top MLP and loss after it.
   */
  async forward(): Promise<void> {
    const m = this.model;
    m.embeddingsForward();
    const exchange = await this.exchangeForwardStart();
    m.bottomForward();
    await this.wait("allToAll", exchange);
    this.exchangeForwardFinish();
    m.forwardTop();
  }

  /**
   * Backward pass and every update: the reverse all-to-all runs while the bottom MLP's
   * backward computes, the MLP gradient all-reduce while the owner's sparse update does.
   * `stopHere` is this rank's wish to stop after the step; it rides on the all-reduce, and
   * the result is true when any rank wished it.
   */
  async backwardAndUpdate(lr: number, stopHere: boolean): Promise<boolean> {
    const m = this.model;
    m.backwardTop();
    const exchange = await this.exchangeBackwardStart();
    m.backwardBottom();
    const reduce = await this.allReduceStart(stopHere);
    await this.wait("allToAll", exchange);
    this.exchangeBackwardFinish();
    m.sparseUpdate(lr);
    await this.wait("allReduce", reduce);
    const stop = this.allReduceFinish();
    m.denseUpdate(lr);
    return stop;
  }

  /**
   * pooledOwn [B, |T_r| D] holds rows s*b .. (s+1)*b for rank s as one block; each rank
   * receives [b, |T_s| D] from every s (then scattered into pooled [b, T D] by table number).
   */
  private async exchangeForwardStart(): Promise<InFlight> {
    const { b, N, rowFloats } = this;
    const own = rowFloats[this.shard.rank]!;
    const sendCounts = Array.from({ length: N }, () => b * own);
    const recvCounts = rowFloats.map((f) => b * f);
    const send =
      own === 0
        ? this.exchangeSend.subarray(0, 0)
        : ((await this.model.backend.read(this.model.pooledOwn)) as Float32Array).subarray(0, b * N * own);
    return this.start("allToAll", send.byteLength, () =>
      this.comm.allToAllV(send, sendCounts, this.exchangeRecv, recvCounts),
    );
  }

  private exchangeForwardFinish(): void {
    const { b, D, T, N } = this;
    const recv = this.exchangeRecv;
    const out = this.pooledHost;
    let at = 0;
    for (let s = 0; s < N; s++) {
      const tables = this.shard.plan.ownedTables[s]!;
      for (let i = 0; i < b; i++) {
        for (const t of tables) {
          out.set(recv.subarray(at, at + D), (i * T + t) * D);
          at += D;
        }
      }
    }
    this.model.backend.write(this.model.pooled, out);
  }

  /** The reverse: dPooled [b, T D] split by owner, received as [B, |T_r| D] into dPooledOwn. */
  private async exchangeBackwardStart(): Promise<InFlight> {
    const { b, D, T, N, rowFloats } = this;
    const own = rowFloats[this.shard.rank]!;
    const dPooled = (await this.model.backend.read(this.model.dPooled)) as Float32Array;
    const send = this.exchangeSend;
    let at = 0;
    for (let s = 0; s < N; s++) {
      const tables = this.shard.plan.ownedTables[s]!;
      for (let i = 0; i < b; i++) {
        for (const t of tables) {
          send.set(dPooled.subarray((i * T + t) * D, (i * T + t + 1) * D), at);
          at += D;
        }
      }
    }
    const sendCounts = rowFloats.map((f) => b * f);
    const recvCounts = Array.from({ length: N }, () => b * own);
    const recv = this.exchangeRecv.subarray(0, b * N * own);
    return this.start("allToAll", at * 4, () =>
      this.comm.allToAllV(send.subarray(0, at), sendCounts, recv, recvCounts),
    );
  }

  private exchangeBackwardFinish(): void {
    const own = this.rowFloats[this.shard.rank]!;
    if (own > 0) this.model.backend.write(this.model.dPooledOwn, this.exchangeRecv.subarray(0, this.b * this.N * own));
  }

  /** Packs every MLP gradient (and the stop wish) and starts their fixed-order sum over ranks. */
  private async allReduceStart(stopHere: boolean): Promise<InFlight> {
    const be = this.model.backend;
    const host = this.gradHost;
    let at = 0;
    for (const g of this.model.mlpGradients()) {
      host.set((await be.read(g)) as Float32Array, at);
      at += g.size;
    }
    host[at] = stopHere ? 1 : 0;
    return this.start("allReduce", host.byteLength, () => this.comm.allReduceSum(host));
  }

  /** Writes the summed gradients back; true when any rank wished to stop. */
  private allReduceFinish(): boolean {
    const be = this.model.backend;
    const host = this.gradHost;
    let at = 0;
    for (const g of this.model.mlpGradients()) {
      be.write(g, host.subarray(at, at + g.size));
      at += g.size;
    }
    return host[at]! > 0;
  }

  /** Loss statistics [sum of losses, correct, samples] summed over ranks (float64). */
  async globalStats(local: ArrayLike<number>): Promise<number[]> {
    const buf = Float64Array.from(local);
    await this.comm.allReduceSum(buf);
    return [...buf];
  }
}
