/**
 * `dlrm train --world-size N` outside mpirun: starts `mpirun -np N` with this same command
 * line (each rank then finds its rank from MPI), in its own process group so a terminal's
 * Ctrl-C reaches only this launcher. The first Ctrl-C or SIGTERM is passed on as SIGUSR1
 * (mpirun forwards it to every rank: all stop after the same step and write one
 * checkpoint); a second one ends the job at once. Exits with mpirun's status, or 130 / 143.
 */
import { spawn } from "node:child_process";
import { NotSupportedError } from "../errors.js";
import { signalExitCode } from "../stop-signals.js";

/** Why multi-process training cannot start here, in one line with the remedy; undefined when it can. */
export async function mpiMissing(worldSize: number): Promise<string | undefined> {
  const install =
    "install Open MPI (sudo apt-get install openmpi-bin libopenmpi-dev, or bash scripts/install-native-deps.sh), then npm run build -w @dlrm/comm-mpi";
  let mod: typeof import("@dlrm/comm-mpi");
  try {
    mod = await import("@dlrm/comm-mpi");
  } catch {
    return `--world-size ${worldSize}: the Open MPI package @dlrm/comm-mpi is not built; ${install}`;
  }
  if (mod.findMpirun() === undefined)
    return `--world-size ${worldSize}: Open MPI is missing (no mpirun on PATH); ${install}`;
  const addon = mod.mpiAvailable();
  if (!addon.ok) return `--world-size ${worldSize}: Open MPI's addon does not load (${addon.reason}); ${install}`;
  return undefined;
}

/** Starts the job; resolves to the exit code for this process. */
export async function launchWithMpirun(
  worldSize: number,
  argv: readonly string[],
  say: (line: string) => void,
): Promise<number> {
  const missing = await mpiMissing(worldSize);
  if (missing !== undefined) throw new NotSupportedError(missing);
  const { findMpirun, mpirunArgs, runningAsRoot, MPIRUN_ROOT_ENV } = await import("@dlrm/comm-mpi");
  const mpirun = findMpirun()!;
  const asRoot = runningAsRoot();
  const args = [
    ...mpirunArgs({ np: worldSize, asRoot, oversubscribe: false }),
    process.execPath,
    ...process.execArgv,
    argv[1]!,
    ...argv.slice(2),
  ];
  say(`dlrm: starting ${worldSize} ranks on this machine: ${mpirun} ${args.join(" ")}`);
  const child = spawn(mpirun, args, {
    stdio: "inherit",
    detached: true,
    env: { ...process.env, ...(asRoot ? MPIRUN_ROOT_ENV : {}), DLRM_LAUNCHER: "1" },
  });
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled === undefined) {
      signalled = signal;
      say(
        `dlrm: ${signal}: every rank stops after the current step and writes a checkpoint (send it again to end the job at once)`,
      );
      child.kill("SIGUSR1");
    } else {
      say(`dlrm: ${signal} again: ending every rank now, without a checkpoint`);
      child.kill("SIGTERM");
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, s) => resolve([c, s]));
    });
    if (signalled !== undefined) return signalExitCode(signalled);
    if (sig !== null) return 1;
    return code ?? 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
