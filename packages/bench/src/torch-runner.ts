/**
 * PyTorch's training step beside ours: runs tools/torch/torch_dlrm_bench.py (the in-repo copy;
 * else ../shared/tools/torch_dlrm_bench.py) with Debian's
 * /usr/bin/python3 on a benchmark configuration and reads its `median_ms_per_it=` line.
 * A runner first says whether it can run here (script, interpreter, `import torch`), so a
 * machine without PyTorch gets a reason instead of a failure. Tests inject a fake runner.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { torchFlags, type BenchConfig } from "./configs.js";

/** Runs PyTorch's step; `dlrm bench` calls it once per round. */
export interface TorchRunner {
  /** The command in words (script and interpreter), for the report. */
  readonly command: string;
  /** Undefined when it can run here; otherwise why not, in one line. */
  unavailableReason(): string | undefined;
  /** PyTorch's median ms/iteration over `iterations` steps after `warmup`; throws with the reason on failure. */
  run(config: BenchConfig, iterations: number, warmup: number): Promise<number>;
}

/** Debian's interpreter, the one with python3-torch (the first python3 on PATH may lack it). */
export const TORCH_PYTHON = "/usr/bin/python3";

/**
 * A PyTorch script by file name: the repository's copy in tools/torch/ when it is there,
 * else the one in shared/tools/ beside the repository (paths from packages/bench/dist or src).
 */
export function defaultTorchScript(name: string): string {
  const inRepo = fileURLToPath(new URL(`../../../tools/torch/${name}`, import.meta.url));
  return existsSync(inRepo) ? inRepo : fileURLToPath(new URL(`../../../../shared/tools/${name}`, import.meta.url));
}

/** torch_dlrm_bench.py: tools/torch/ in this repository, else ../shared/tools/. */
export const DEFAULT_TORCH_SCRIPT = defaultTorchScript("torch_dlrm_bench.py");

/** A runner that never runs, with `reason` (e.g. `--torch none`). */
export function noTorch(reason: string): TorchRunner {
  return { command: "none", unavailableReason: () => reason, run: () => Promise.reject(new Error(reason)) };
}

/** The median line of torch_dlrm_bench.py's output, or undefined. */
export function parseTorchMedian(stdout: string): number | undefined {
  const m = /median_ms_per_it=([0-9.eE+-]+)/.exec(stdout);
  const v = m ? Number(m[1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The last non-empty line of `text` (an error's gist). */
const lastLine = (text: string): string => text.trim().split("\n").pop() ?? "";

/** Why `script` cannot run with `python` here (script or interpreter missing, no `import torch`); undefined when it can. */
export function torchScriptUnavailable(script: string, python: string = TORCH_PYTHON): string | undefined {
  if (!existsSync(script)) return `${script} not found (pass --torch PATH)`;
  if (!existsSync(python)) return `${python} not found`;
  const r = spawnSync(python, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0)
    return `${python} cannot import torch (apt-get install python3-torch): ${lastLine(r.stderr ?? "") || `exit ${r.status}`}`;
  return undefined;
}

/** Runs `script` with `python`; availability is checked once, on first ask. */
export function pythonTorchRunner(script: string = DEFAULT_TORCH_SCRIPT, python: string = TORCH_PYTHON): TorchRunner {
  let checked: { reason: string | undefined } | undefined;
  const unavailableReason = (): string | undefined => {
    checked ??= { reason: torchScriptUnavailable(script, python) };
    return checked.reason;
  };
  return {
    command: `${python} ${script}`,
    unavailableReason,
    async run(config, iterations, warmup) {
      const r = spawnSync(python, [script, ...torchFlags(config, iterations), "--warmup", String(warmup)], {
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
      });
      const ms = parseTorchMedian(r.stdout ?? "");
      if (ms === undefined)
        throw new Error(
          `torch_dlrm_bench.py gave no median (exit ${r.status ?? r.signal}): ${lastLine(r.stderr ?? "") || lastLine(r.stdout ?? "")}`,
        );
      return ms;
    },
  };
}
