/**
 * Ctrl-C (SIGINT) and SIGTERM during training: the first signal asks the trainer to stop
 * after the current step and write a checkpoint; a second one exits at once (130 / 143).
 * A rank of a multi-process job stops cleanly on SIGUSR1 (or SIGINT) and exits at once on
 * SIGTERM, which mpirun sends when it ends the job.
 */

export interface StopSignals {
  /** The signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Stops listening. */
  dispose(): void;
}

const EXIT_CODE: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGUSR1: 143 };

/** Starts listening; `say` reports what happens to the user. */
export function watchStopSignals(say: (line: string) => void, rankOfMany = false): StopSignals {
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== undefined) {
      say(`${signal} again: exiting now without a checkpoint`);
      process.exit(EXIT_CODE[signal] ?? 1);
    }
    received = signal;
    say(`${signal}: finishing the current step and writing a checkpoint (send it again to exit at once)`);
  };
  // One rank of several: mpirun forwards SIGUSR1 to every rank (the launcher's way to ask
  // for a clean stop), while a SIGTERM from mpirun means it is ending the job: go at once.
  const onTerm = rankOfMany ? (): void => process.exit(EXIT_CODE.SIGTERM) : onSignal;
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onTerm);
  if (rankOfMany) process.on("SIGUSR1", onSignal);
  return {
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onTerm);
      process.off("SIGUSR1", onSignal);
    },
  };
}

/** The conventional exit code for a run ended by `signal`. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return EXIT_CODE[signal] ?? 1;
}
