/**
 * `dlrm train` as one rank of an mpirun job: opens the MPI communicator (with the
 * --dist-timeout watchdog), checks that every rank runs the same job, and trains. Rank 0
 * alone prints; any other rank prints only errors, prefixed with its rank. An error on any
 * rank exits that rank at once with a non-zero code, without MPI_Finalize, and mpirun then
 * ends every other rank (no peer is left waiting in a collective; MPI_Abort would do the
 * same but makes Open MPI 4.1 print a broken help message); errors that every rank meets
 * together (ranks disagree, a stop signal) end the job cleanly instead.
 */
import { localBatchSize, NonFiniteLossError, type Communicator } from "@dlrm/core";
import { EXIT_FAILURE, EXIT_USAGE, RunStoppedError, UsageError, oneLine } from "../errors.js";
import { runTrain } from "../run-train.js";
import type { TrainSetup } from "../shared/train-options.js";
import { checkRanksAgree, fingerprint, RanksDisagreeError } from "./agree.js";

function exitCodeOf(err: unknown): number {
  if (err instanceof RunStoppedError) return err.exitCode;
  return err instanceof UsageError || (err instanceof Error && err.name === "ConfigError") ? EXIT_USAGE : EXIT_FAILURE;
}

/** Runs this rank; resolves to its exit code (or never returns, after an error of its own). */
export async function runAsRank(setup: TrainSetup): Promise<number> {
  const { MpiCommunicator } = await import("@dlrm/comm-mpi");
  const comm: Communicator = await MpiCommunicator.create({ timeoutMs: setup.cli.distTimeout * 1000 });
  const prefix = comm.worldSize > 1 ? `rank ${comm.rank}: ` : "";
  try {
    if (setup.cli.worldSizeGiven && setup.cli.worldSize !== 1 && setup.cli.worldSize !== comm.worldSize) {
      throw new UsageError(
        "--world-size",
        `${setup.cli.worldSize} was given, but mpirun started ${comm.worldSize} ranks (-np ${comm.worldSize}); give the same number, or leave --world-size out under mpirun`,
      );
    }
    localBatchSize(setup.config.batchSize, comm.worldSize);
    await checkRanksAgree(comm, fingerprint(setup));
    await runTrain(setup, comm);
    await comm.close();
    return 0;
  } catch (err) {
    // Met by every rank at once (ranks disagree, a stop request, a non-finite loss of the
    // whole batch, which every rank sums alike): rank 0 says it, unprefixed.
    const together =
      err instanceof RanksDisagreeError || err instanceof RunStoppedError || err instanceof NonFiniteLossError;
    if (!together) process.stderr.write(`dlrm: error: ${prefix}${oneLine(err)}\n`);
    else if (comm.rank === 0)
      process.stderr.write(`dlrm: ${err instanceof RunStoppedError ? "" : "error: "}${oneLine(err)}\n`);
    if (process.env.DLRM_DEBUG === "1" && err instanceof Error && err.stack !== undefined)
      process.stderr.write(`${prefix}${err.stack}\n`);
    const code = exitCodeOf(err);
    if (together || comm.worldSize === 1) {
      await comm.close();
      // Under dlrm's own launcher a clean stop exits 0, so mpirun does not report a failed
      // job; the launcher exits 130 / 143 itself.
      return err instanceof RunStoppedError && process.env.DLRM_LAUNCHER === "1" ? 0 : code;
    }
    process.exit(code);
  }
}
