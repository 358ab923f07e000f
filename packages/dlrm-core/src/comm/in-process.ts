/**
 * N ranks in one process: communicators whose collectives meet in memory. Each rank's
 * trainer runs as its own async task in the same event loop; a collective resolves once
 * every rank has called it (calls are matched in order, as MPI matches them). Used to test
 * hybrid parallelism on any backend without a launcher, and to check the MPI transport.
 */
import { checkCounts, CommArgumentError, displacements, type CommBuffer, type Communicator } from "./communicator.js";
import { fixedOrderAllReduce } from "./fixed-order-all-reduce.js";

interface Pending {
  kind: string;
  args: unknown[];
  resolve: () => void;
  reject: (e: Error) => void;
}

class Rendezvous {
  private readonly rounds: Pending[][] = [];
  private readonly next: number[];
  aborted: Error | undefined;

  constructor(readonly worldSize: number) {
    this.next = new Array<number>(worldSize).fill(0);
  }

  arrive(rank: number, kind: string, args: unknown[], complete: (all: unknown[][]) => void): Promise<void> {
    if (this.aborted) return Promise.reject(this.aborted);
    const round = this.next[rank]!++;
    const slot = (this.rounds[round] ??= []);
    return new Promise<void>((resolve, reject) => {
      slot[rank] = { kind, args, resolve, reject };
      if (slot.filter((p) => p !== undefined).length < this.worldSize) return;
      const kinds = new Set(slot.map((p) => p.kind));
      try {
        if (kinds.size !== 1)
          throw new CommArgumentError(
            `collective ${round}: ranks called different collectives (${slot.map((p, r) => `rank ${r}: ${p.kind}`).join(", ")})`,
          );
        complete(slot.map((p) => p.args));
        slot.forEach((p) => p.resolve());
      } catch (e) {
        slot.forEach((p) => p.reject(e as Error));
      }
    });
  }

  abort(e: Error): void {
    this.aborted = e;
    for (const slot of this.rounds) for (const p of slot ?? []) p?.reject(e);
  }
}

class InProcessCommunicator implements Communicator {
  readonly name = "in-process";
  constructor(
    readonly rank: number,
    private readonly group: Rendezvous,
  ) {}

  get worldSize(): number {
    return this.group.worldSize;
  }

  allToAllV(
    send: CommBuffer,
    sendCounts: readonly number[],
    recv: CommBuffer,
    recvCounts: readonly number[],
  ): Promise<void> {
    checkCounts("sendCounts", sendCounts, this.worldSize, send.length);
    checkCounts("recvCounts", recvCounts, this.worldSize, recv.length);
    return this.group.arrive(this.rank, "allToAllV", [send, sendCounts, recv, recvCounts], (all) => {
      const N = this.worldSize;
      for (let r = 0; r < N; r++) {
        const [, , rv, rc] = all[r] as [CommBuffer, number[], CommBuffer, number[]];
        const rDisp = displacements(rc);
        for (let s = 0; s < N; s++) {
          const [sv, sc] = all[s] as [CommBuffer, number[]];
          if (sc[r] !== rc[s])
            throw new CommArgumentError(`rank ${s} sends ${sc[r]} elements to rank ${r}, which expects ${rc[s]}`);
          if (sv.constructor !== rv.constructor)
            throw new CommArgumentError("send and recv must have the same element type");
          const from = displacements(sc)[r]!;
          (rv as Float32Array).set((sv as Float32Array).subarray(from, from + sc[r]!), rDisp[s]!);
        }
      }
    });
  }

  allGatherV(send: CommBuffer, recv: CommBuffer, counts: readonly number[]): Promise<void> {
    checkCounts("counts", counts, this.worldSize, recv.length);
    if (counts[this.rank] !== send.length)
      throw new CommArgumentError(
        `counts[${this.rank}] (${counts[this.rank]}) must equal send.length (${send.length})`,
      );
    return this.group.arrive(this.rank, "allGatherV", [send, recv, counts], (all) => {
      for (let r = 0; r < this.worldSize; r++) {
        const [, rv, rc] = all[r] as [CommBuffer, CommBuffer, number[]];
        const disp = displacements(rc);
        for (let s = 0; s < this.worldSize; s++) (rv as Float32Array).set(all[s]![0] as Float32Array, disp[s]!);
      }
    });
  }

  allReduceSum(buf: Float32Array | Float64Array | Int32Array): Promise<void> {
    return fixedOrderAllReduce(this, buf);
  }

  broadcast(buf: CommBuffer, root: number): Promise<void> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize)
      throw new CommArgumentError(`root: expected a rank in [0, ${this.worldSize}), got ${root}`);
    return this.group.arrive(this.rank, "broadcast", [buf, root], (all) => {
      const src = all[root]![0] as Float32Array;
      for (const [b] of all as [Float32Array][]) if (b !== src) b.set(src);
    });
  }

  barrier(): Promise<void> {
    return this.group.arrive(this.rank, "barrier", [], () => undefined);
  }

  abort(code: number): never {
    const e = new Error(`rank ${this.rank} aborted the group (code ${code})`);
    this.group.abort(e);
    throw e;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `worldSize` communicators, rank 0 first, whose collectives meet in this process. */
export function createInProcessGroup(worldSize: number): Communicator[] {
  const group = new Rendezvous(worldSize);
  return Array.from({ length: worldSize }, (_, r) => new InProcessCommunicator(r, group));
}
