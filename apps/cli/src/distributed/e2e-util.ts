/**
 * Helpers for the multi-process end-to-end tests: run the built `dlrm` (optionally at a
 * world size, which starts mpirun), read a run's per-step losses and saved weights, compare
 * tensors by relative error, and the rule that MPI must be there when CI asks for it.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isOptimizerTensor, readSafetensors, type StateDict } from "@dlrm/core";
import { findMpirun, mpiAvailable } from "@dlrm/comm-mpi";

export const MAIN = fileURLToPath(new URL("../../bin/dlrm.js", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../../../../fixtures/", import.meta.url));
export const CRITEO = `${FIXTURES}criteo/kaggle-train-first10k.tsv`;

/** Why multi-process tests cannot run here, or undefined; with DLRM_REQUIRE_MPI=1 a reason fails the suite. */
export function mpiUnavailable(): string | undefined {
  if (findMpirun() === undefined) return "mpirun is not on PATH (install openmpi-bin)";
  const a = mpiAvailable();
  return a.ok ? undefined : a.reason;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `dlrm ARGS` in `cwd`, bounded by `timeoutMs`. */
export function dlrm(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 90_000,
): RunResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, DLRM_DEBUG: "", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

/** Starts `dlrm ARGS`, sends `signal` to it when `when` matches its output, and collects the result. */
export function dlrmSignalled(
  cwd: string,
  args: readonly string[],
  when: RegExp,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, DLRM_DEBUG: "" } });
    let out = "";
    let sent = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    const collect = (d: Buffer): void => {
      out += d.toString();
      if (!sent && when.test(out)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The `loss` of every print-step line of a --log-jsonl file (test-evaluation lines, `{ step, test }`, left out). */
export function losses(path: string): number[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { loss: number; test?: unknown })
    .filter((r) => r.test === undefined)
    .map((r) => r.loss);
}

/**
 * The relative error of a whole tensor, ||a - b||_2 / ||b||_2. Runs at different world sizes
 * sum across ranks in another order (1 ulp per sum), which Adagrad compounds over steps in
 * single elements; the norm measures the tensor, as "weights within 1e-5" means.
 */
export function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    scale += b[i]! ** 2;
  }
  return scale === 0 ? Math.sqrt(diff) : Math.sqrt(diff / scale);
}

/** The worst relative error over every model tensor (optimizer state aside) of two weight files with the same names. */
export function worstRelErr(pathA: string, pathB: string): number {
  const a: StateDict = readSafetensors(pathA, (name) => !isOptimizerTensor(name));
  const b: StateDict = readSafetensors(pathB, (name) => !isOptimizerTensor(name));
  if ([...a.keys()].sort().join() !== [...b.keys()].sort().join())
    throw new Error(`${pathA} and ${pathB} hold different tensors`);
  return Math.max(...[...b].map(([k, t]) => relErr(a.get(k)!.data, t.data)));
}

/** The worst per-step relative difference of two loss lists of the same length. */
export function worstLossErr(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`loss lists differ in length: ${a.length} and ${b.length}`);
  return Math.max(...a.map((l, i) => Math.abs(l - b[i]!) / Math.abs(b[i]!)));
}
