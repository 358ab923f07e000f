/**
 * Fault injection for the multi-process tests (never set in normal use): DLRM_TEST_FAULT
 * = "RANK:STEP:KIND" makes rank RANK, after step STEP, throw (KIND throw), kill itself with
 * SIGKILL (kill), or stop answering for good without entering a collective (hang), so the
 * tests exercise the real failure paths of a job: MPI_Abort, mpirun's reaping, the watchdog.
 */
import { UsageError } from "../errors.js";

export interface Fault {
  rank: number;
  step: number;
  kind: "throw" | "kill" | "hang";
}

/** Parses DLRM_TEST_FAULT; undefined when unset. */
export function faultFromEnv(value = process.env.DLRM_TEST_FAULT): Fault | undefined {
  if (value === undefined || value === "") return undefined;
  const m = /^(\d+):(\d+):(throw|kill|hang)$/.exec(value);
  if (m === null)
    throw new UsageError("DLRM_TEST_FAULT", `expected RANK:STEP:throw|kill|hang, got ${JSON.stringify(value)}`);
  return { rank: Number(m[1]), step: Number(m[2]), kind: m[3] as Fault["kind"] };
}

/** Called after every step: carries out the fault when this rank and step match. */
export function injectFault(fault: Fault | undefined, rank: number, step: number): void {
  if (fault === undefined || fault.rank !== rank || fault.step !== step) return;
  if (fault.kind === "throw") throw new Error(`injected fault after step ${step} (DLRM_TEST_FAULT)`);
  if (fault.kind === "kill") process.kill(process.pid, "SIGKILL");
  // hang: block this thread (timers and signals included) far past any test's limit.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_600_000);
}
