/**
 * Routing a batch's indices to the ranks that own them (an all-to-all of bag lengths and
 * indices): each rank sends, for its own samples, every owner the bags of that owner's
 * pieces (a row piece gets only the indices in its row range, re-based), and receives, from
 * every rank in rank order, the bags of its own pieces. What arrives is, bit for bit, the
 * owner's pieces' bags over the whole global batch, piece-major (`selectPieces` of the
 * global batch), so each rank needs only its own samples' sparse input.
 */
import type { HostSparseInput } from "../data/sparse-batch.js";
import type { Communicator } from "../comm/communicator.js";
import { shardGroups, type ShardGroup, type ShardingPlan, type TableShard } from "./shards.js";

/** Rank `rank`'s groups' pieces, in the order the model's groups hold them. */
function piecesOf(plan: ShardingPlan, rank: number): TableShard[][] {
  return shardGroups(plan.shards[rank]!).map((g: ShardGroup) => g.shards);
}

/** Bags of this rank's `b` samples for `pieces` (table-major local input of T*b bags): lengths then indices. */
function pack(local: HostSparseInput, pieces: readonly TableShard[], b: number, out: number[]): void {
  const { indices, offsets } = local;
  const lengthsAt = out.length;
  for (let i = 0; i < pieces.length * b; i++) out.push(0);
  pieces.forEach((p, j) => {
    for (let i = 0; i < b; i++) {
      const lo = offsets[p.table * b + i]!;
      const hi = offsets[p.table * b + i + 1]!;
      let n = 0;
      for (let k = lo; k < hi; k++) {
        const r = indices[k]!;
        if (p.kind !== "row" || (r >= p.rowStart && r < p.rowEnd)) {
          out.push(p.kind === "row" ? r - p.rowStart : r);
          n++;
        }
      }
      out[lengthsAt + j * b + i] = n;
    }
  });
}

export interface IndexExchange {
  /** Per own group: its pieces' bags over the global batch (piece-major, samples in rank order). */
  inputs: HostSparseInput[];
  /** Bytes of bag lengths and indices this rank sent to other ranks (the one count per rank before them not included). */
  bytesSent: number;
}

/**
 * The all-to-all of indices. `local` holds this rank's b samples' bags for all T tables
 * (table-major, T*b + 1 offsets). Every rank calls it with the same plan.
 */
export async function exchangeIndices(
  comm: Communicator,
  plan: ShardingPlan,
  local: HostSparseInput,
  b: number,
): Promise<IndexExchange> {
  const N = comm.worldSize;
  const r = comm.rank;
  const payloads: number[][] = [];
  for (let s = 0; s < N; s++) {
    const out: number[] = [];
    for (const pieces of piecesOf(plan, s)) pack(local, pieces, b, out);
    payloads.push(out);
  }
  const sendCounts = payloads.map((p) => p.length);
  const countsIn = new Int32Array(N);
  await comm.allToAllV(Int32Array.from(sendCounts), new Array(N).fill(1), countsIn, new Array(N).fill(1));
  const send = Int32Array.from(payloads.flat());
  const recvCounts = [...countsIn];
  const recv = new Int32Array(recvCounts.reduce((a, c) => a + c, 0));
  await comm.allToAllV(send, sendCounts, recv, recvCounts);

  const mine = piecesOf(plan, r);
  const B = b * N;
  const starts: number[] = [];
  for (let s = 0, at = 0; s < N; s++) {
    starts.push(at);
    at += recvCounts[s]!;
  }
  /** Per sender: where its lengths of group g start and where its indices of group g start. */
  const cursor = starts.map((at) => ({ lengths: at, indices: 0 }));
  const inputs: HostSparseInput[] = mine.map((pieces) => {
    const offsets = new Int32Array(pieces.length * B + 1);
    const perSender: { lengths: number; indices: number; count: number }[] = [];
    let total = 0;
    for (let s = 0; s < N; s++) {
      const c = cursor[s]!;
      let count = 0;
      for (let k = 0; k < pieces.length * b; k++) count += recv[c.lengths + k]!;
      perSender.push({ lengths: c.lengths, indices: c.lengths + pieces.length * b, count });
      c.lengths += pieces.length * b + count;
      total += count;
    }
    const indices = new Int32Array(total);
    let at = 0;
    pieces.forEach((_, j) => {
      for (let s = 0; s < N; s++) {
        const ps = perSender[s]!;
        let from = ps.indices;
        for (let k = 0; k < j * b; k++) from += recv[ps.lengths + k]!;
        for (let i = 0; i < b; i++) {
          const n = recv[ps.lengths + j * b + i]!;
          offsets[j * B + s * b + i] = at;
          indices.set(recv.subarray(from, from + n), at);
          from += n;
          at += n;
        }
      }
    });
    offsets[pieces.length * B] = at;
    return { indices, offsets };
  });
  const toOthers = sendCounts.reduce((a, c, s) => (s === r ? a : a + c), 0);
  return { inputs, bytesSent: toOthers * 4 };
}

/** This rank's samples' bags for all T tables (table-major, T*b + 1 offsets, re-based) out of the global T*B input. */
export function localBags(
  global: HostSparseInput,
  batchSize: number,
  numTables: number,
  lo: number,
  b: number,
): HostSparseInput {
  const { indices, offsets } = global;
  const outOffsets = new Int32Array(numTables * b + 1);
  let nnz = 0;
  for (let t = 0; t < numTables; t++) nnz += offsets[t * batchSize + lo + b]! - offsets[t * batchSize + lo]!;
  const outIndices = new Int32Array(nnz);
  let at = 0;
  for (let t = 0; t < numTables; t++) {
    const from = offsets[t * batchSize + lo]!;
    const to = offsets[t * batchSize + lo + b]!;
    for (let i = 0; i < b; i++) outOffsets[t * b + i] = at + offsets[t * batchSize + lo + i]! - from;
    outIndices.set(indices.subarray(from, to), at);
    at += to - from;
  }
  outOffsets[numTables * b] = at;
  return { indices: outIndices, offsets: outOffsets };
}
