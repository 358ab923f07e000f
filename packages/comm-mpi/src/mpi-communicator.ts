/**
 * The Open MPI communicator: core's Communicator over the addon's MPI_Alltoallv,
 * MPI_Allgatherv, MPI_Bcast and MPI_Barrier. Collectives run one at a time on a promise
 * chain (the addon asks for MPI_THREAD_SERIALIZED), allReduceSum is core's deterministic
 * fixedOrderAllReduce, and an optional watchdog ends the whole job when a collective hangs.
 */
import { checkCounts, CommArgumentError, fixedOrderAllReduce, type CommBuffer, type Communicator } from "@dlrm/core";
import { underMpiLauncher } from "./launcher.js";
import { loadNative, type MpiInitInfo, type NativeMpi } from "./native.js";

export interface MpiCommunicatorOptions {
  /**
   * Watchdog: when a collective has not completed within this many milliseconds, print one
   * line to stderr and end the job (MPI_Abort, exit code 1). 0 (the default) never.
   */
  timeoutMs?: number;
}

type ReduceBuffer = Float32Array | Float64Array | Int32Array;

function isCommBuffer(b: unknown): b is CommBuffer {
  return b instanceof Float32Array || b instanceof Float64Array || b instanceof Int32Array || b instanceof Uint8Array;
}

function checkBuffer(what: string, b: unknown): asserts b is CommBuffer {
  if (!isCommBuffer(b))
    throw new CommArgumentError(`${what}: expected a Float32Array, Float64Array, Int32Array or Uint8Array`);
}

function checkSameType(send: CommBuffer, recv: CommBuffer): void {
  if (send.constructor !== recv.constructor) {
    throw new CommArgumentError(
      `send and recv must have the same element type, got ${send.constructor.name} and ${recv.constructor.name}`,
    );
  }
}

function checkCountsArg(what: string, counts: readonly number[], worldSize: number, length: number): void {
  if (!Array.isArray(counts))
    throw new CommArgumentError(`${what}: expected an Array of ${worldSize} counts (one per rank)`);
  checkCounts(what, counts, worldSize, length);
}

let instance: MpiCommunicator | undefined;

export class MpiCommunicator implements Communicator {
  readonly name = "mpi";
  readonly rank: number;
  readonly worldSize: number;
  /** MPI's library version, first line ("Open MPI v4.1.4, ..."). */
  readonly version: string;
  /** The thread level MPI provided ("serialized" or "multiple"). */
  readonly threadLevel: string;
  /** The watchdog's limit in milliseconds; 0 when off. */
  readonly timeoutMs: number;

  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly native: NativeMpi,
    info: MpiInitInfo,
    options: MpiCommunicatorOptions,
  ) {
    this.rank = info.rank;
    this.worldSize = info.worldSize;
    this.version = info.version;
    this.threadLevel = info.threadLevel;
    this.timeoutMs = options.timeoutMs ?? 0;
  }

  /**
   * Initialises MPI (once per process: a second call before close() returns the same
   * communicator). Throws when the process was not started by mpirun, or the addon is missing.
   */
  static async create(options: MpiCommunicatorOptions = {}): Promise<MpiCommunicator> {
    const t = options.timeoutMs ?? 0;
    if (!Number.isFinite(t) || t < 0)
      throw new RangeError(`timeoutMs: expected a non-negative number of milliseconds, got ${t}`);
    if (instance !== undefined) return instance;
    if (!underMpiLauncher()) {
      throw new Error(
        "MpiCommunicator: this process was not started by mpirun (OMPI_COMM_WORLD_SIZE and PMIX_RANK are unset); run it under mpirun",
      );
    }
    const { addon, reason } = loadNative();
    if (addon === undefined) throw new Error(`MpiCommunicator: ${reason}`);
    instance = new MpiCommunicator(addon, addon.init(), options);
    return instance;
  }

  allToAllV(
    send: CommBuffer,
    sendCounts: readonly number[],
    recv: CommBuffer,
    recvCounts: readonly number[],
  ): Promise<void> {
    this.checkAllToAllV(send, sendCounts, recv, recvCounts);
    return this.enqueue("allToAllV", () => this.native.allToAllV(send, sendCounts, recv, recvCounts));
  }

  allGatherV(send: CommBuffer, recv: CommBuffer, counts: readonly number[]): Promise<void> {
    this.checkAllGatherV(send, recv, counts);
    return this.enqueue("allGatherV", () => this.native.allGatherV(send, recv, counts));
  }

  allReduceSum(buf: ReduceBuffer): Promise<void> {
    if (!(buf instanceof Float32Array || buf instanceof Float64Array || buf instanceof Int32Array)) {
      throw new CommArgumentError("buf: expected a Float32Array, Float64Array or Int32Array");
    }
    // One item on the chain: its all-to-all and all-gather run back to back, nothing between.
    const direct = {
      rank: this.rank,
      worldSize: this.worldSize,
      allToAllV: (s: CommBuffer, sc: readonly number[], r: CommBuffer, rc: readonly number[]) =>
        this.native.allToAllV(s, sc, r, rc),
      allGatherV: (s: CommBuffer, r: CommBuffer, c: readonly number[]) => this.native.allGatherV(s, r, c),
    };
    return this.enqueue("allReduceSum", () => fixedOrderAllReduce(direct, buf));
  }

  broadcast(buf: CommBuffer, root: number): Promise<void> {
    checkBuffer("buf", buf);
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      throw new CommArgumentError(`root: expected a rank in [0, ${this.worldSize}), got ${root}`);
    }
    return this.enqueue("broadcast", () => this.native.broadcast(buf, root));
  }

  barrier(): Promise<void> {
    return this.enqueue("barrier", () => this.native.barrier());
  }

  abort(code: number): never {
    this.native.abort(code);
    process.exit(code);
  }

  /** Waits for the queued collectives, then MPI_Finalize. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    this.native.finalize();
    if (instance === this) instance = undefined;
  }

  private checkAllToAllV(
    send: CommBuffer,
    sendCounts: readonly number[],
    recv: CommBuffer,
    recvCounts: readonly number[],
  ): void {
    checkBuffer("send", send);
    checkBuffer("recv", recv);
    checkSameType(send, recv);
    checkCountsArg("sendCounts", sendCounts, this.worldSize, send.length);
    checkCountsArg("recvCounts", recvCounts, this.worldSize, recv.length);
  }

  private checkAllGatherV(send: CommBuffer, recv: CommBuffer, counts: readonly number[]): void {
    checkBuffer("send", send);
    checkBuffer("recv", recv);
    checkSameType(send, recv);
    checkCountsArg("counts", counts, this.worldSize, recv.length);
    if (counts[this.rank] !== send.length) {
      throw new CommArgumentError(
        `counts[${this.rank}] (${counts[this.rank]}, this rank's count) must equal send.length (${send.length})`,
      );
    }
  }

  /** Runs `start` after every collective queued before it has settled, under the watchdog. */
  private enqueue(what: string, start: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${what}: the MPI communicator is closed`));
    const run = this.chain.then(() => this.watched(what, start));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async watched(what: string, start: () => Promise<void>): Promise<void> {
    if (this.timeoutMs <= 0) return start();
    const timer = setTimeout(() => this.onTimeout(what), this.timeoutMs);
    timer.unref();
    try {
      await start();
    } finally {
      clearTimeout(timer);
    }
  }

  private onTimeout(what: string): void {
    const seconds = Number((this.timeoutMs / 1000).toFixed(3));
    process.stderr.write(
      `rank ${this.rank}: ${what} did not complete in ${seconds} s (a peer rank has stopped or is stuck); ending the job\n`,
    );
    this.abort(1);
  }
}
