/**
 * Threads for one rank's backend: its share of this machine's cores, so N ranks on one
 * machine do not each start a pool as large as the machine (Open MPI tells each rank how
 * many ranks share its node in OMPI_COMM_WORLD_LOCAL_SIZE). `--threads` overrides it.
 */
import { availableParallelism } from "node:os";

/** max(1, floor(cores / ranks on this node)); undefined (the backend's default) in one process. */
export function rankThreads(
  worldSize: number,
  env: NodeJS.ProcessEnv = process.env,
  cores = availableParallelism(),
): number | undefined {
  if (worldSize <= 1) return undefined;
  const local = Number(env.OMPI_COMM_WORLD_LOCAL_SIZE ?? worldSize);
  return Math.max(1, Math.floor(cores / (Number.isInteger(local) && local > 0 ? local : worldSize)));
}
