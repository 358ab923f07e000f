/**
 * Public surface of @dlrm/comm-mpi: `MpiCommunicator` (core's Communicator over Open MPI),
 * `mpiAvailable()` (is the addon built and loadable, and if not why), `underMpiLauncher()`
 * (was this process started by mpirun), and the mpirun helpers for starting a local job.
 */
import { loadNative } from "./native.js";

export { MpiCommunicator, type MpiCommunicatorOptions } from "./mpi-communicator.js";
export { underMpiLauncher } from "./launcher.js";
export { findMpirun, mpirunArgs, mpirunSlots, runningAsRoot, MPIRUN_ROOT_ENV, type MpirunOptions } from "./mpirun.js";
export { loadNative, ADDON_PATH, BUILD_HINT, type MpiInitInfo, type NativeMpi } from "./native.js";

/** Whether the addon is built and loads here; `reason` says why not and how to build it. */
export function mpiAvailable(): { ok: true } | { ok: false; reason: string } {
  const { addon, reason } = loadNative();
  return addon !== undefined ? { ok: true } : { ok: false, reason: reason ?? "the Open MPI addon did not load" };
}
