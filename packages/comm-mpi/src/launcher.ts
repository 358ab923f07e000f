/**
 * Whether this process was started by an MPI launcher (mpirun / orterun sets
 * OMPI_COMM_WORLD_SIZE, PMIx-based launchers set PMIX_RANK). MPI_Init is only ever called
 * when it was: a singleton MPI_Init outside mpirun would try to start a runtime of its own.
 */
export function underMpiLauncher(env: NodeJS.ProcessEnv = process.env): boolean {
  const set = (name: string): boolean => {
    const v = env[name];
    return v !== undefined && v !== "";
  };
  return set("OMPI_COMM_WORLD_SIZE") || set("PMIX_RANK");
}
