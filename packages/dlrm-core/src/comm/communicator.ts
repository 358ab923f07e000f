/**
 * The communicator contract: the few collectives hybrid-parallel DLRM needs, on host typed
 * arrays, with this process's rank and the world size. Core moves the bytes between ranks'
 * backends through it; backends never talk to each other. One implementation per transport
 * (single process here, Open MPI in @dlrm/comm-mpi; HCCL or NCCL would be one more).
 */

/** The element types a collective moves. Counts are in elements of the buffer's type. */
export type CommBuffer = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface Communicator {
  /** 0-based rank of this process. */
  readonly rank: number;
  /** Number of ranks, >= 1. */
  readonly worldSize: number;
  /** Transport name for the start-up report ("single", "mpi"). */
  readonly name: string;

  /**
   * All-to-all with per-rank counts (MPI_Alltoallv with packed displacements): rank r sends
   * send[sum(sendCounts[0..s)) .. + sendCounts[s]) to rank s, and receives rank s's block for
   * it into recv at offset sum(recvCounts[0..s)). send and recv have the same element type;
   * sendCounts and recvCounts have worldSize entries, and recvCounts[s] must equal rank s's
   * sendCounts[r]. send and recv must not overlap.
   */
  allToAllV(
    send: CommBuffer,
    sendCounts: readonly number[],
    recv: CommBuffer,
    recvCounts: readonly number[],
  ): Promise<void>;

  /**
   * All-gather with per-rank counts (MPI_Allgatherv, packed): every rank's `send` lands in
   * recv at offset sum(counts[0..s)) for rank s; counts[rank] === send.length.
   */
  allGatherV(send: CommBuffer, recv: CommBuffer, counts: readonly number[]): Promise<void>;

  /**
   * In-place element-wise sum over ranks; every rank ends with the same bits. Deterministic:
   * the sum of each element is taken in a fixed order (rank 0 first), so the same inputs
   * give the same result run to run.
   */
  allReduceSum(buf: Float32Array | Float64Array | Int32Array): Promise<void>;

  /** In place: every rank ends with root's `buf` (same length on every rank). */
  broadcast(buf: CommBuffer, root: number): Promise<void>;

  /** Returns once every rank has entered it. */
  barrier(): Promise<void>;

  /**
   * Ends the whole job at once (MPI_Abort): every rank exits with `code`. Used after a rank's
   * error is printed, so no peer is left waiting in a collective. Never returns.
   */
  abort(code: number): never;

  /** Releases the transport (MPI_Finalize); no call after it. */
  close(): Promise<void>;
}

/** Thrown for a collective called with inconsistent arguments (the message names which). */
export class CommArgumentError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "CommArgumentError";
  }
}

/** Checks that counts has worldSize non-negative integer entries whose sum fits in `length`. */
export function checkCounts(what: string, counts: readonly number[], worldSize: number, length: number): number {
  if (counts.length !== worldSize)
    throw new CommArgumentError(`${what}: expected ${worldSize} counts (one per rank), got ${counts.length}`);
  let total = 0;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s]!;
    if (!Number.isInteger(c) || c < 0)
      throw new CommArgumentError(`${what}[${s}]: expected a non-negative integer, got ${c}`);
    total += c;
  }
  if (total > length)
    throw new CommArgumentError(`${what}: counts add up to ${total} elements, the buffer holds ${length}`);
  return total;
}

/** Exclusive prefix sums: displacements of packed per-rank blocks. */
export function displacements(counts: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const c of counts) {
    out.push(at);
    at += c;
  }
  return out;
}
