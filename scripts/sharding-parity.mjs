#!/usr/bin/env node
/**
 * Sharding parity outside CI, at full size: trains a configuration at N = 1 and at larger
 * world sizes with each sharding kind forced (through mpirun), and writes every run's
 * per-step losses and the worst relative step difference against N = 1 as JSON.
 * Configurations: medium (the seed's Medium model exactly as DLRM-SEMANTICS.md gives it,
 * random data, N = 2 row-wise) and kaggle (dlrm's Kaggle MLPs on the 10,000 real Criteo rows,
 * N = 2 and 3, row, column and replicated).
 *
 * usage: node scripts/sharding-parity.mjs --config medium|kaggle [--backend gaudi] [--out FILE]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "medium" },
    backend: { type: "string", default: "gaudi" },
    out: { type: "string" },
  },
});
const MAIN = fileURLToPath(new URL("../apps/cli/bin/dlrm.js", import.meta.url));
const CRITEO = fileURLToPath(new URL("../fixtures/criteo/kaggle-train-first10k.tsv", import.meta.url));
const CONFIGS = {
  medium: {
    what: "Medium, 5 Adagrad steps at the seed's settings: N = 2 with the 3,000,000-row table split by rows against N = 1",
    args: [
      ...["--arch-embedding-size", "3000000", "--arch-sparse-feature-size", "64"],
      ...["--arch-mlp-bot", "1024-1024-1024-64", "--arch-mlp-top", "4096-4096-4096-4096-4096-4096-4096-1"],
      ...["--arch-interaction-op", "cat", "--mini-batch-size", "512", "--num-indices-per-lookup", "38"],
      ...["--optimizer", "adagrad", "--learning-rate", "1e-05", "--num-batches", "5"],
    ],
    runs: [[2, "row"]],
  },
  kaggle: {
    what: "dlrm's Kaggle MLPs (13-512-256-64-16, 512-256-1, dot, dimension 16) on the 10,000 real Criteo rows hashed to 100,000 rows per table, global batch 96 (divides by 2 and 3), 20 Adagrad steps: N = 2 and 3 with each sharding kind forced against N = 1",
    args: [
      ...["--data-generation", "dataset", "--raw-data-file", CRITEO, "--max-ind-range", "100000"],
      ...["--arch-sparse-feature-size", "16", "--arch-mlp-bot", "13-512-256-64-16", "--arch-mlp-top", "512-256-1"],
      ...["--arch-interaction-op", "dot", "--loss-function", "bce", "--mini-batch-size", "96"],
      ...["--optimizer", "adagrad", "--learning-rate", "0.01", "--num-batches", "20"],
    ],
    runs: [2, 3].flatMap((n) => ["row", "column", "replicated"].map((k) => [n, k])),
  },
};
const config = CONFIGS[values.config];
if (config === undefined) {
  console.error(`--config: expected one of ${Object.keys(CONFIGS).join(", ")}, got "${values.config}"`);
  process.exit(2);
}
const out = values.out ?? `bench-results/${values.config}-sharding-parity.json`;
const common = [...config.args, "--print-freq", "1", "--backend", values.backend];
const dir = mkdtempSync(join(tmpdir(), "dlrm-sharding-parity-"));

function run(extra, tag) {
  const log = join(dir, `${tag}.jsonl`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, "train", ...common, "--log-jsonl", log, ...extra], {
    encoding: "utf8",
    timeout: 1_800_000,
  });
  if (r.status !== 0) throw new Error(`dlrm train ${extra.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const losses = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).loss);
  const startup = r.stdout.split("\n").filter((l) => /^ {2}(backend|ranks|sharding|rank \d)/.test(l));
  const command = `dlrm train ${[...common, ...extra].join(" ").replace(CRITEO, "fixtures/criteo/kaggle-train-first10k.tsv")}`;
  return { command, losses, seconds: (performance.now() - t0) / 1000, startup };
}

try {
  const one = run([], "n1");
  const runs = config.runs.map(([n, kind]) => {
    const r = run(["--world-size", String(n), "--sharding", kind], `n${n}-${kind}`);
    const worst = Math.max(...r.losses.map((l, i) => Math.abs(l - one.losses[i]) / Math.abs(one.losses[i])));
    console.log(`N=${n} --sharding ${kind}: worst relative step loss difference ${worst.toExponential(2)}`);
    return { worldSize: n, sharding: kind, ...r, worstRelativeStepLossDifference: worst };
  });
  const worst = Math.max(...runs.map((r) => r.worstRelativeStepLossDifference));
  const result = {
    what: config.what,
    backend: values.backend,
    device: values.backend === "gaudi" ? "host CPU (the gaudi backend's device in this build)" : values.backend,
    script: `node scripts/sharding-parity.mjs --config ${values.config} --backend ${values.backend}`,
    date: new Date().toISOString(),
    n1: one,
    runs,
    worstRelativeStepLossDifference: worst,
    tolerance: 1e-5,
    pass: worst < 1e-5,
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(
    `worst over every run ${worst.toExponential(2)} (${result.pass ? "within" : "OUTSIDE"} 1e-5); wrote ${out}`,
  );
  if (!result.pass) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
