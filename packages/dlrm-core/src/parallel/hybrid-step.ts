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

/** Milliseconds and bytes (sent by this rank) spent in collectives since the last `take`. */
export interface CommCounters {
  allToAllMs: number;
  allToAllBytes: number;
  allReduceMs: number;
  allReduceBytes: number;
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

  private async timed(kind: "allToAll" | "allReduce", bytes: number, run: () => Promise<void>): Promise<void> {
    const t0 = performance.now();
    await run();
    this.counters[`${kind}Ms`] += performance.now() - t0;
    this.counters[`${kind}Bytes`] += bytes;
  }

  /** Forward pass over the rank's slice, with the pooled-embedding all-to-all. */
  async forward(): Promise<void> {
    const m = this.model;
    m.forwardBottom();
    await this.exchangeForward();
    m.forwardTop();
  }

  /**
   * Backward pass and every update. `stopHere` is this rank's wish to stop after the step;
   * it rides on the gradient all-reduce, and the result is true when any rank wished it.
   */
  async backwardAndUpdate(lr: number, stopHere: boolean): Promise<boolean> {
    const m = this.model;
    m.backwardTop();
    await this.exchangeBackward();
    m.sparseUpdate(lr);
    m.backwardBottom();
    const stop = await this.allReduceGradients(stopHere);
    m.denseUpdate(lr);
    return stop;
  }

  /**
   * pooledOwn [B, |T_r| D] holds rows s*b .. (s+1)*b for rank s as one block; each rank
   * receives [b, |T_s| D] from every s and scatters it into pooled [b, T D] by table number.
   */
  private async exchangeForward(): Promise<void> {
    const { b, D, T, N, rowFloats } = this;
    const r = this.shard.rank;
    const own = rowFloats[r]!;
    const be = this.model.backend;
    const sendCounts = Array.from({ length: N }, () => b * own);
    const recvCounts = rowFloats.map((f) => b * f);
    const send = own === 0 ? this.exchangeSend.subarray(0, 0) : ((await be.read(this.model.pooledOwn)) as Float32Array).subarray(0, b * N * own);
    const recv = this.exchangeRecv;
    await this.timed("allToAll", send.byteLength, () => this.comm.allToAllV(send, sendCounts, recv, recvCounts));
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
    be.write(this.model.pooled, out);
  }

  /** The reverse: dPooled [b, T D] split by owner, received as [B, |T_r| D]. */
  private async exchangeBackward(): Promise<void> {
    const { b, D, T, N, rowFloats } = this;
    const r = this.shard.rank;
    const own = rowFloats[r]!;
    const be = this.model.backend;
    const dPooled = (await be.read(this.model.dPooled)) as Float32Array;
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
    await this.timed("allToAll", at * 4, () => this.comm.allToAllV(send.subarray(0, at), sendCounts, recv, recvCounts));
    if (own === 0) return;
    be.write(this.model.dPooledOwn, recv);
  }

  /** Sums the MLP gradients over ranks (fixed order, rank 0 first) and writes them back. */
  private async allReduceGradients(stopHere: boolean): Promise<boolean> {
    const be = this.model.backend;
    const grads = this.model.mlpGradients();
    const host = this.gradHost;
    let at = 0;
    for (const g of grads) {
      host.set((await be.read(g)) as Float32Array, at);
      at += g.size;
    }
    host[at] = stopHere ? 1 : 0;
    await this.timed("allReduce", host.byteLength, () => this.comm.allReduceSum(host));
    at = 0;
    for (const g of grads) {
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
