/**
 * The one-rank communicator: world size 1, every collective a copy or nothing. The trainer
 * uses it when no transport is asked for, so the single-process path has no special case.
 */
import { checkCounts, CommArgumentError, type CommBuffer, type Communicator } from "./communicator.js";

export class SingleProcessCommunicator implements Communicator {
  readonly rank = 0;
  readonly worldSize = 1;
  readonly name = "single";

  allToAllV(
    send: CommBuffer,
    sendCounts: readonly number[],
    recv: CommBuffer,
    recvCounts: readonly number[],
  ): Promise<void> {
    const n = checkCounts("sendCounts", sendCounts, 1, send.length);
    checkCounts("recvCounts", recvCounts, 1, recv.length);
    if (recvCounts[0] !== n)
      throw new CommArgumentError(`recvCounts[0] (${recvCounts[0]}) must equal sendCounts[0] (${n}) on one rank`);
    if (send.constructor !== recv.constructor)
      throw new CommArgumentError("send and recv must have the same element type");
    (recv as Float32Array).set((send as Float32Array).subarray(0, n));
    return Promise.resolve();
  }

  allGatherV(send: CommBuffer, recv: CommBuffer, counts: readonly number[]): Promise<void> {
    checkCounts("counts", counts, 1, recv.length);
    if (counts[0] !== send.length)
      throw new CommArgumentError(`counts[0] (${counts[0]}) must equal send.length (${send.length})`);
    if (send.constructor !== recv.constructor)
      throw new CommArgumentError("send and recv must have the same element type");
    (recv as Float32Array).set(send as Float32Array);
    return Promise.resolve();
  }

  allReduceSum(): Promise<void> {
    return Promise.resolve();
  }

  broadcast(_buf: CommBuffer, root: number): Promise<void> {
    if (root !== 0) throw new CommArgumentError(`root: expected 0 on one rank, got ${root}`);
    return Promise.resolve();
  }

  barrier(): Promise<void> {
    return Promise.resolve();
  }

  abort(code: number): never {
    process.exit(code);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
