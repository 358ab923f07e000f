/**
 * Error cases: a bad call and the one error the contract says it throws, on every backend and
 * in both modes, and where it surfaces. An argument fault throws at the call; a fault in the data
 * of a sparse batch (what the tensors hold) at the call, markStep or sync (DATA_FAULT_STAGE).
 * After the error the backend must still run a valid op.
 */
import type { Backend } from "@dlrm/core";
import { CaseEnv, type OpName } from "./case.js";

/** Which rule of the contract a case breaks (the report groups by it). */
export type ErrorRule =
  | "shape"
  | "dtype"
  | "length"
  | "dims"
  | "number"
  | "choice"
  | "missing"
  | "freed"
  | "foreign"
  | "out-of-range index"
  | "negative index"
  | "offsets"
  | "unique offsets"
  | "unique rows"
  | "csr";

/** The error a case must throw: its class and its exact message. */
export interface ExpectedError {
  readonly name: "TypeError" | "RangeError" | "Error";
  readonly message: string;
}

/** One bad call. */
export interface ErrorCase {
  /** Unique, prefixed "errors/<op>": "errors/gemm c too small". */
  readonly name: string;
  readonly op: OpName | "write" | "alloc" | "free";
  readonly rule: ErrorRule;
  /** "argument": checked before dispatch; "data": what a sparse tensor holds, checked by the kernels. */
  readonly kind: "argument" | "data";
  /** Builds the inputs through env and returns the bad call and the error it must throw. */
  setup(env: CaseEnv): { call: () => void; expect: ExpectedError };
}

/** Where an error came out. */
export type ErrorStage = "call" | "markStep" | "sync";

/** What one run of an error case saw. */
export interface ErrorOutcome {
  readonly stage: ErrorStage | "none";
  readonly name: string;
  readonly message: string;
}

/**
 * Where a data fault surfaces, by mode and backend: eager host kernels refuse at the call;
 * core's withLazyMode runs the recorded ops at markStep; gaudi's lazy step runs on its runner
 * thread and reports at sync; the webgpu kernels report at the next read or sync.
 */
const DATA_FAULT_STAGE: Record<Backend["mode"], Readonly<Record<string, ErrorStage>>> = {
  eager: { default: "call", webgpu: "sync" },
  lazy: { default: "markStep", gaudi: "sync", webgpu: "sync" },
};

/** The stage an error must surface at: the call for an argument fault, DATA_FAULT_STAGE for a data fault. */
export function expectedStage(c: ErrorCase, backend: Backend): ErrorStage {
  if (c.kind === "argument") return "call";
  const byBackend = DATA_FAULT_STAGE[backend.mode];
  return byBackend[backend.info.name] ?? byBackend.default!;
}

/** Runs one error case; frees what it allocated. */
export async function runErrorCase(
  backend: Backend,
  c: ErrorCase,
): Promise<{ outcome: ErrorOutcome; expect: ExpectedError }> {
  const env = new CaseEnv(backend, 1);
  let stage: ErrorStage = "call";
  try {
    const { call, expect } = c.setup(env);
    backend.markStep();
    await backend.sync();
    try {
      call();
      stage = "markStep";
      backend.markStep();
      stage = "sync";
      await backend.sync();
      return { outcome: { stage: "none", name: "", message: "" }, expect };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return { outcome: { stage, name: err.constructor.name, message: err.message }, expect };
    }
  } finally {
    env.freeAll();
  }
}

/** A valid op and read after the error: the backend must still work. */
async function stillWorks(backend: Backend): Promise<string | undefined> {
  const t = backend.alloc([3], "f32", "after error");
  try {
    backend.fill({ t, value: 2 });
    const got = Array.from(await backend.read(t));
    return got.every((v) => v === 2) ? undefined : `a fill after the error read back ${got.join(", ")}`;
  } catch (e) {
    return `a valid op after the error threw: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    backend.free(t);
  }
}

/** Problems of one error case on one backend (none = pass). */
export async function checkErrorCase(backend: Backend, c: ErrorCase): Promise<string[]> {
  const { outcome, expect } = await runErrorCase(backend, c);
  const problems: string[] = [];
  if (outcome.stage === "none") problems.push(`no error; want ${expect.name}: ${expect.message}`);
  else {
    if (outcome.name !== expect.name) problems.push(`threw ${outcome.name}, want ${expect.name}`);
    if (outcome.message !== expect.message)
      problems.push(`message ${JSON.stringify(outcome.message)}, want ${JSON.stringify(expect.message)}`);
    const stage = expectedStage(c, backend);
    if (outcome.stage !== stage) problems.push(`thrown at ${outcome.stage}, want at ${stage}`);
  }
  const after = await stillWorks(backend);
  if (after !== undefined) problems.push(after);
  return problems;
}
