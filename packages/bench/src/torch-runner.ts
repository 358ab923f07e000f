/**
 * PyTorch's training step beside ours: runs shared/tools/torch_dlrm_bench.py with Debian's
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

/** shared/tools/torch_dlrm_bench.py beside this repository (from packages/bench/dist or src). */
export const DEFAULT_TORCH_SCRIPT = fileURLToPath(new URL("../../../../shared/tools/torch_dlrm_bench.py", import.meta.url));

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

/** Runs `script` with `python`; availability is checked once, on first ask. */
export function pythonTorchRunner(script: string = DEFAULT_TORCH_SCRIPT, python: string = TORCH_PYTHON): TorchRunner {
  let checked: { reason: string | undefined } | undefined;
  const unavailableReason = (): string | undefined => {
    if (checked === undefined) {
      let reason: string | undefined;
      if (!existsSync(script)) reason = `${script} not found (pass --torch PATH)`;
      else if (!existsSync(python)) reason = `${python} not found`;
      else {
        const r = spawnSync(python, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
        if (r.status !== 0) reason = `${python} cannot import torch (apt-get install python3-torch): ${lastLine(r.stderr ?? "") || `exit ${r.status}`}`;
      }
      checked = { reason };
    }
    return checked.reason;
  };
  return {
    command: `${python} ${script}`,
    unavailableReason,
    async run(config, iterations, warmup) {
      const r = spawnSync(python, [script, ...torchFlags(config, iterations), "--warmup", String(warmup)], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
      const ms = parseTorchMedian(r.stdout ?? "");
      if (ms === undefined) throw new Error(`torch_dlrm_bench.py gave no median (exit ${r.status ?? r.signal}): ${lastLine(r.stderr ?? "") || lastLine(r.stdout ?? "")}`);
      return ms;
    },
  };
}
