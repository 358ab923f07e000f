/**
 * One rank of a fault job (run by faults.test.ts as
 * `mpirun -np 2 ... node fault-child.mjs DIST_INDEX OUT_DIR MODE`). Rank 0 waits in a barrier;
 * rank 1 fails before it: MODE "exit" (process.exit(3)), "throw" (an uncaught Error),
 * "kill" (SIGKILL to itself) or "watchdog" (sleeps 20 s in JS while rank 0's barrier has a
 * 2 s watchdog). The job must end non-zero and promptly; rank 0 never completes its barrier.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const [distIndex, outDir, mode] = process.argv.slice(2);
const { MpiCommunicator } = await import(distIndex);
const comm = await MpiCommunicator.create({ timeoutMs: mode === "watchdog" ? 2000 : 0 });
const mark = (what) => writeFileSync(join(outDir, `rank-${comm.rank}.json`), JSON.stringify({ rank: comm.rank, what }));

if (comm.rank === 1) {
  mark("started");
  if (mode === "exit") process.exit(3);
  if (mode === "throw") throw new Error("rank 1 fails before the barrier");
  if (mode === "kill") process.kill(process.pid, "SIGKILL");
  if (mode === "watchdog") await new Promise((resolve) => setTimeout(resolve, 20_000));
}
await comm.barrier();
mark("barrier completed");
await comm.close();
