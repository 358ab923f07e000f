#!/usr/bin/env node
/**
 * A scaled-down MLPerf DLRMv2 (`--preset mlperf-dlrmv2 --max-ind-range 100000`) after one
 * pass over the 10,000 real Criteo rows: `dlrm train`'s test AUC in one process and at two
 * ranks (mpirun) beside PyTorch's on the same rows and splits (tools/torch/torch_dlrm_auc.py).
 * Writes every command and result to bench-results/dlrmv2-criteo-auc.json. Needs `npm run
 * build`, Open MPI, and /usr/bin/python3 with torch (Debian's python3-torch) for the PyTorch run.
 *
 * Usage: node scripts/dlrmv2-criteo-auc.mjs [--backend NAME] [--out FILE]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
let out = join(root, "bench-results", "dlrmv2-criteo-auc.json");
let backend = "gaudi";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out" && args[i + 1] !== undefined) out = args[++i];
  else if (args[i] === "--backend" && args[i + 1] !== undefined) backend = args[++i];
  else {
    console.error(`dlrmv2-criteo-auc: unknown argument "${args[i]}" (usage: [--backend NAME] [--out FILE])`);
    process.exit(1);
  }
}

const raw = "fixtures/criteo/kaggle-train-first10k.tsv";
const multiHot = "3,2,1,2,6,1,1,1,1,7,3,8,1,6,9,5,1,1,1,12,100,27,10,3,1,1";
const batch = 256;
const seed = 123;
const tmp = mkdtempSync(join(tmpdir(), "dlrm-v2-auc-"));
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1", DLRM_DEBUG: "" };

/** The `dlrm train` arguments of the run at `worldSize` ranks. */
function trainArgs(worldSize) {
  return [
    "train",
    ...["--preset", "mlperf-dlrmv2", "--max-ind-range", "100000", "--data-set", "kaggle"],
    ...["--data-generation", "dataset", "--raw-data-file", raw, "--processed-data-file", join(tmp, "p")],
    ...["--data-randomize", "none", "--mini-batch-size", String(batch), "--numpy-rand-seed", String(seed)],
    ...["--test-freq", "1000000", "--print-freq", "11", "--backend", backend, "--world-size", String(worldSize)],
  ];
}

function ours(worldSize) {
  const argv = trainArgs(worldSize);
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, [join(root, "apps/cli/bin/dlrm.js"), ...argv], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  const tests = [
    ...stdout.matchAll(/Testing at step (\d+) on test \((\d+) samples.*?auc ([\d.]+), log loss ([\d.]+)/g),
  ];
  if (tests.length === 0) throw new Error(`no test line in the output of dlrm ${argv.join(" ")}:\n${stdout}`);
  const t = tests[tests.length - 1];
  return {
    worldSize,
    command: `dlrm ${argv.join(" ").replace(join(tmp, "p"), "<tmp>/p")}`,
    step: Number(t[1]),
    testRows: Number(t[2]),
    auc: Number(t[3]),
    logLoss: Number(t[4]),
    seconds: (performance.now() - t0) / 1000,
  };
}

const torchArgs = [
  "tools/torch/torch_dlrm_auc.py",
  raw,
  ...["--bot", "13-512-256-128", "--top", "1024-1024-512-256-1", "--dim", "128", "--rows", "100000"],
  ...["--op", "dcn", "--dcn-layers", "3", "--dcn-rank", "512", "--multi-hot", multiHot],
  ...["--batch", String(batch), "--lr", "0.004", "--opt", "adagrad", "--seed", String(seed)],
];
try {
  const runs = [ours(1), ours(2)];
  const torchOut = execFileSync("/usr/bin/python3", torchArgs, { cwd: root, encoding: "utf8" }).trim().split("\n");
  const torch = { command: `/usr/bin/python3 ${torchArgs.join(" ")}`, ...JSON.parse(torchOut[torchOut.length - 1]) };
  const result = {
    what: "test AUC of a scaled-down MLPerf DLRMv2 after one pass over the train days of the 10,000 real Criteo rows",
    script: `node ${relative(root, fileURLToPath(import.meta.url))}${backend === "gaudi" ? "" : ` --backend ${backend}`}`,
    backend,
    device: backend === "gaudi" ? "host CPU (the gaudi backend's native C++ path)" : backend,
    tolerance: 0.02,
    torch,
    runs: runs.map((r) => ({ ...r, aucMinusTorch: r.auc - torch.auc })),
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const r of result.runs)
    console.log(
      `N=${r.worldSize}: auc ${r.auc} (PyTorch ${torch.auc.toFixed(6)}, difference ${r.aucMinusTorch.toFixed(4)})`,
    );
  console.log(`wrote ${relative(root, out)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
