/**
 * The typed binding of the Open MPI addon (build/Release/dlrm_comm_mpi.node) and its loader.
 * Every collective checks its arguments in C++ (TypeError / RangeError naming the argument)
 * before it touches memory, then runs on a libuv worker thread and returns a Promise.
 * `loadNative()` never throws: it says why the addon is missing and how to build it.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommBuffer } from "@dlrm/core";

/** What `init()` reports: this rank, the world size, the library and the thread level MPI gave. */
export interface MpiInitInfo {
  rank: number;
  worldSize: number;
  /** First line of MPI_Get_library_version ("Open MPI v4.1.4, package: ..."). */
  version: string;
  threadLevel: "single" | "funneled" | "serialized" | "multiple";
}

export interface NativeMpi {
  /** MPI_Init_thread(MPI_THREAD_SERIALIZED) once (later calls return the same info); throws outside mpirun. */
  init(): MpiInitInfo;
  /** MPI_Finalize; a no-op when not initialised or already finalized; throws while a collective is in flight. */
  finalize(): void;
  /** MPI_Abort(MPI_COMM_WORLD, code) (plain exit when MPI is not initialised). */
  abort(code: number): never;
  allToAllV(
    send: CommBuffer,
    sendCounts: readonly number[],
    recv: CommBuffer,
    recvCounts: readonly number[],
  ): Promise<void>;
  allGatherV(send: CommBuffer, recv: CommBuffer, counts: readonly number[]): Promise<void>;
  broadcast(buf: CommBuffer, root: number): Promise<void>;
  barrier(): Promise<void>;
}

/** The command that builds the addon (and installs Open MPI, which it needs). */
export const BUILD_HINT =
  "bash scripts/install-native-deps.sh && npm run build -w @dlrm/comm-mpi (the addon needs Open MPI: openmpi-bin libopenmpi-dev)";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the built addon lives. */
export const ADDON_PATH = join(packageRoot, "build", "Release", "dlrm_comm_mpi.node");

let cached: { addon?: NativeMpi; reason?: string } | undefined;

/** Loads the addon once; `reason` is a one-line explanation and remedy when it cannot. */
export function loadNative(): { addon?: NativeMpi; reason?: string } {
  if (cached !== undefined) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = { reason: `the Open MPI addon is not built (${ADDON_PATH} is missing): run ${BUILD_HINT}` };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { addon: require(ADDON_PATH) as NativeMpi };
  } catch (e) {
    const first = String(e instanceof Error ? e.message : e).split("\n")[0];
    cached = { reason: `the Open MPI addon failed to load (${first}): run ${BUILD_HINT}` };
  }
  return cached;
}
