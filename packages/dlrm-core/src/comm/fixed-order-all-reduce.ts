/**
 * A deterministic all-reduce built from all-to-all and all-gather (reduce-scatter, then
 * all-gather): rank s sums block s of every rank's buffer in rank order 0..N-1, in the
 * buffer's own precision, then every rank gathers the summed blocks. MPI_Allreduce promises
 * neither a fixed order nor identical bits on every rank; this does both, at the same
 * 2 (N-1)/N bytes per element as a ring.
 */
import type { Communicator } from "./communicator.js";

type ReduceBuffer = Float32Array | Float64Array | Int32Array;

function newLike(buf: ReduceBuffer, length: number): ReduceBuffer {
  if (buf instanceof Float32Array) return new Float32Array(length);
  if (buf instanceof Float64Array) return new Float64Array(length);
  return new Int32Array(length);
}

/**
 * Scratch buffers kept per communicator, element type and size: a training step reduces
 * the same gradient buffer every step, which then allocates nothing.
 */
const scratch = new WeakMap<object, Map<string, { recv: ReduceBuffer; sum: ReduceBuffer }>>();

function scratchFor(
  comm: object,
  buf: ReduceBuffer,
  mineLen: number,
  N: number,
): { recv: ReduceBuffer; sum: ReduceBuffer } {
  let byKey = scratch.get(comm);
  if (byKey === undefined) scratch.set(comm, (byKey = new Map()));
  const key = `${buf.constructor.name}:${mineLen}`;
  let s = byKey.get(key);
  if (s === undefined) {
    if (byKey.size >= 8) byKey.clear();
    byKey.set(key, (s = { recv: newLike(buf, mineLen * N), sum: newLike(buf, mineLen) }));
  }
  return s;
}

/** The element range [begin, end) of block s when n elements are split over N ranks. */
export function blockRange(n: number, worldSize: number, s: number): [number, number] {
  const base = Math.floor(n / worldSize);
  const extra = n % worldSize;
  const begin = s * base + Math.min(s, extra);
  return [begin, begin + base + (s < extra ? 1 : 0)];
}

/** Sums `buf` over ranks in place, in rank order, with identical bits on every rank. */
export async function fixedOrderAllReduce(
  comm: Pick<Communicator, "rank" | "worldSize" | "allToAllV" | "allGatherV">,
  buf: ReduceBuffer,
): Promise<void> {
  const N = comm.worldSize;
  if (N === 1) return;
  const n = buf.length;
  const counts = Array.from({ length: N }, (_, s) => blockRange(n, N, s)[1] - blockRange(n, N, s)[0]);
  const [mine0, mine1] = blockRange(n, N, comm.rank);
  const mineLen = mine1 - mine0;
  const { recv, sum } = scratchFor(comm, buf, mineLen, N);
  await comm.allToAllV(
    buf,
    counts,
    recv,
    Array.from({ length: N }, () => mineLen),
  );
  sum.set(recv.subarray(0, mineLen));
  for (let s = 1; s < N; s++) {
    const off = s * mineLen;
    if (sum instanceof Int32Array) for (let i = 0; i < mineLen; i++) sum[i] = (sum[i]! + recv[off + i]!) | 0;
    else for (let i = 0; i < mineLen; i++) sum[i] = sum[i]! + recv[off + i]!;
  }
  await comm.allGatherV(sum, buf, counts);
}
