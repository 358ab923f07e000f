/**
 * Starting a single-machine Open MPI job: where mpirun is, and the flags a loopback-only job
 * on one host needs (shared memory between ranks, no network interface but `lo`, no CPU
 * binding, root and oversubscription allowed when they have to be). Tested with Open MPI
 * 4.1 (Debian bookworm) as root in a container on 2 cores.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { delimiter, join } from "node:path";

/** The absolute path of `mpirun` on PATH, or undefined when there is none. */
export function findMpirun(path: string | undefined = process.env["PATH"]): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "mpirun");
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when this process runs as root (uid 0), where mpirun refuses to start without being told. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * The environment mpirun and its children need to run as root: Open MPI refuses root unless
 * both are set (or --allow-run-as-root is given); the children inherit them.
 */
export const MPIRUN_ROOT_ENV: Readonly<Record<string, string>> = Object.freeze({
  OMPI_ALLOW_RUN_AS_ROOT: "1",
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1",
});

/**
 * The cores mpirun counts as slots: physical cores (distinct physical id / core id pairs in
 * /proc/cpuinfo), not hardware threads; os.availableParallelism() where that cannot be read.
 * Never more than availableParallelism (a CPU quota or affinity mask).
 */
export function mpirunSlots(): number {
  const logical = availableParallelism();
  try {
    const pairs = new Set<string>();
    for (const block of readFileSync("/proc/cpuinfo", "utf8").split(/\n\s*\n/)) {
      const phys = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (phys !== undefined && core !== undefined) pairs.add(`${phys}:${core}`);
    }
    return pairs.size > 0 ? Math.min(pairs.size, logical) : logical;
  } catch {
    return logical;
  }
}

export interface MpirunOptions {
  /** Number of ranks (>= 1). */
  np: number;
  /** Running as root (see `runningAsRoot()`): adds --allow-run-as-root. */
  asRoot: boolean;
  /** Allow more ranks than cores even when np fits (it is added anyway when np > cores). */
  oversubscribe: boolean;
  /** Slots to compare np with; defaults to mpirunSlots() (physical cores). */
  cores?: number;
}

/**
 * The mpirun flags (before the program and its arguments) for a job of `np` ranks on this
 * machine alone, talking only over loopback:
 *
 * - `-np N`: the number of ranks.
 * - `--oversubscribe` (np > physical cores, or asked): Open MPI otherwise refuses more ranks
 *   than slots ("not enough slots available"); oversubscribed ranks also yield the CPU when idle.
 * - `--allow-run-as-root` (root): mpirun refuses uid 0 without it (MPIRUN_ROOT_ENV is the
 *   same permission as environment variables).
 * - `--bind-to none`: no binding of ranks to cores; Node's libuv and V8 threads share the
 *   process's cores, and binding to one core each would serialise them.
 * - `--mca btl self,vader`: only the loopback-to-self and shared-memory (vader) byte
 *   transports; no TCP or InfiniBand between ranks, so nothing probes the network.
 * - `--mca oob_tcp_if_include lo`: mpirun's own out-of-band channel to its ranks listens on
 *   loopback only (no other interface, no address but 127.0.0.1).
 * - `--mca btl_tcp_if_include lo`: the same for the TCP transport, should a component load it.
 *
 * Not included: `-x NAME` (a local job's ranks inherit mpirun's whole environment), and
 * `--mca btl_vader_single_copy_mechanism none`: vader's default single-copy mechanism (CMA,
 * process_vm_readv) works in this container; add it where ptrace is forbidden (Docker's
 * default seccomp profile without CAP_SYS_PTRACE), where large messages otherwise fail.
 */
export function mpirunArgs(opts: MpirunOptions): string[] {
  if (!Number.isInteger(opts.np) || opts.np < 1)
    throw new RangeError(`np: expected a positive integer, got ${opts.np}`);
  const cores = opts.cores ?? mpirunSlots();
  const args = ["-np", String(opts.np)];
  if (opts.oversubscribe || opts.np > cores) args.push("--oversubscribe");
  if (opts.asRoot) args.push("--allow-run-as-root");
  args.push("--bind-to", "none");
  args.push("--mca", "btl", "self,vader");
  args.push("--mca", "oob_tcp_if_include", "lo");
  args.push("--mca", "btl_tcp_if_include", "lo");
  return args;
}
