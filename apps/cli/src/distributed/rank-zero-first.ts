/**
 * Work that rank 0 does once while the other ranks wait (building the processed Criteo
 * directory): the others sleep-poll for a marker file beside `near` instead of waiting in a
 * collective, so a preprocessing run of minutes or hours neither trips --dist-timeout nor
 * spins their cores in MPI; then they do the same work, which finds it done and only opens it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Communicator } from "@dlrm/core";

const POLL_MS = 200;

/** Runs `work` on rank 0 first, then on the other ranks; one process runs it directly. */
export async function rankZeroFirst<T>(
  comm: Communicator | undefined,
  near: string,
  work: () => Promise<T>,
): Promise<T> {
  if (comm === undefined || comm.worldSize === 1) return work();
  const token = comm.rank === 0 ? new Uint8Array(randomBytes(8)) : new Uint8Array(8);
  await comm.broadcast(token, 0);
  const marker = `${near}.rank0-${Buffer.from(token).toString("hex")}`;
  let result: T;
  if (comm.rank === 0) {
    try {
      result = await work();
    } catch (e) {
      writeFileSync(marker, "failed");
      throw e;
    }
    writeFileSync(marker, "done");
  } else {
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (readFileSync(marker, "utf8") !== "done")
      throw new Error(`rank 0 could not prepare ${near}; its error says why`);
    result = await work();
  }
  await comm.barrier();
  if (comm.rank === 0) rmSync(marker, { force: true });
  return result;
}
