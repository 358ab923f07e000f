#!/usr/bin/env node
/**
 * GEMM-level benchmark of the native addon on the DLRM step's products (every forward,
 * weight-gradient and input-gradient GEMM of the kaggle or medium bench config), for one
 * or more builds of the addon side by side in one process: the builds are loaded together
 * and called in turn, call by call, so a busy machine slows them alike. Rows give the
 * median and the minimum call time per build, and the ratio of the second build to the
 * first. Usage:
 *   node scripts/gemm-bench.mjs --addon old=/path/old.node --addon new=build/Release/dlrm_gaudi.node
 *     [--config kaggle|medium] [--threads 2] [--calls 30] [--precision fp32|bf16] [--json FILE]
 * DLRM_CPU_ISA and DLRM_GEMM_LIBRARY apply to the builds that read them.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const LAYERS = {
  kaggle: {
    batch: 128,
    mlps: [
      [13, 512, 256, 64, 16],
      [367, 512, 256, 1],
    ],
  },
  medium: {
    batch: 512,
    mlps: [
      [1024, 1024, 1024, 64],
      [128, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 1],
    ],
  },
};

/** The step's distinct GEMMs: [name, m, n, k, transA, transB, count per step]. */
function shapes(config) {
  const { batch, mlps } = LAYERS[config];
  const all = new Map();
  const add = (name, m, n, k, ta, tb) => {
    const key = `${name} ${m}x${n}x${k}`;
    const prev = all.get(key);
    if (prev) prev[6]++;
    else all.set(key, [key, m, n, k, ta, tb, 1]);
  };
  for (const mlp of mlps) {
    for (let l = 0; l + 1 < mlp.length; l++) {
      const [inF, outF] = [mlp[l], mlp[l + 1]];
      add("fwd A*B^T", batch, outF, inF, false, true);
      add("dW A^T*B", outF, inF, batch, true, false);
      add("dX A*B", batch, inF, outF, false, false);
    }
  }
  return [...all.values()];
}

function seeded(len, seed) {
  const a = new Float32Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

const { values } = parseArgs({
  options: {
    addon: { type: "string", multiple: true, default: ["new=build/Release/dlrm_gaudi.node"] },
    config: { type: "string", default: "kaggle" },
    threads: { type: "string", default: "2" },
    calls: { type: "string", default: "30" },
    precision: { type: "string", default: "fp32" },
    json: { type: "string" },
  },
});
if (!(values.config in LAYERS)) throw new Error(`--config must be kaggle or medium, got ${values.config}`);
if (values.precision !== "fp32" && values.precision !== "bf16")
  throw new Error(`--precision must be fp32 or bf16, got ${values.precision}`);
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 1)
  throw new Error(`--threads must be a positive integer, got ${values.threads}`);

// As the backend's loader does: the pool's OpenMP threads sleep between calls.
process.env.OMP_WAIT_POLICY ??= "PASSIVE";
const require = createRequire(import.meta.url);
const builds = values.addon.map((s) => {
  const i = s.indexOf("=");
  if (i < 1) throw new Error(`--addon must be LABEL=PATH, got ${s}`);
  const addon = require(resolve(s.slice(i + 1)));
  addon.setThreads(threads);
  return { label: s.slice(0, i), path: s.slice(i + 1), addon, engine: new addon.Engine(false) };
});

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const rows = [];
for (const [key, m, n, k, transA, transB, perStep] of shapes(values.config)) {
  const data = [seeded(m * k, 1), seeded(k * n, 2), new Float32Array(m * n)];
  const calls = builds.map((b) => {
    const [a, bb, c] = data.map((d) => {
      const id = b.engine.alloc(d.length, "f32", "t");
      b.engine.write(id, d, 0);
      return id;
    });
    const args = { a, b: bb, c, m, n, k, transA, transB, alpha: 1, beta: 0, precision: values.precision };
    return { run: () => b.engine.gemm(args), free: () => [a, bb, c].forEach((id) => b.engine.free(id)), times: [] };
  });
  const reps = Math.max(5, Math.min(Number(values.calls), Math.ceil(4e10 / (m * n * k))));
  for (const c of calls) for (let w = 0; w < 2; w++) c.run();
  for (let r = 0; r < reps; r++) {
    for (const c of calls) {
      const t0 = process.hrtime.bigint();
      c.run();
      c.times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const row = { gemm: key, perStep, calls: reps };
  builds.forEach((b, i) => {
    row[b.label] = { medianMs: median(calls[i].times), minMs: Math.min(...calls[i].times) };
    calls[i].free();
  });
  rows.push(row);
}
const total = { gemm: "step total (per-step counts)", perStep: 1, calls: 0 };
for (const b of builds) {
  total[b.label] = {
    medianMs: rows.reduce((s, r) => s + r[b.label].medianMs * r.perStep, 0),
    minMs: rows.reduce((s, r) => s + r[b.label].minMs * r.perStep, 0),
  };
}
rows.push(total);

const labels = builds.map((b) => b.label);
const two = labels.length > 1;
console.log(
  `GEMM ms per call, ${values.config}, ${values.precision}, ${threads} thread(s): median (min) of the calls, builds called in turn`,
);
console.log(
  [
    "gemm".padEnd(34),
    ...labels.map((l) => l.padStart(18)),
    ...(two ? [`${labels[1]}/${labels[0]} med`.padStart(14), "min".padStart(7)] : []),
  ].join(" "),
);
for (const r of rows) {
  const cells = labels.map((l) => `${r[l].medianMs.toFixed(3)} (${r[l].minMs.toFixed(3)})`.padStart(18));
  const ratio = two
    ? [
        (r[labels[1]].medianMs / r[labels[0]].medianMs).toFixed(3).padStart(14),
        (r[labels[1]].minMs / r[labels[0]].minMs).toFixed(3).padStart(7),
      ]
    : [];
  console.log([`${r.gemm}${r.perStep > 1 ? ` x${r.perStep}` : ""}`.padEnd(34), ...cells, ...ratio].join(" "));
}
if (values.json) {
  const info = Object.fromEntries(builds.map((b) => [b.label, { path: b.path, info: b.addon.info() }]));
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        kind: "gaudi-gemm-bench",
        command: `node scripts/gemm-bench.mjs ${process.argv.slice(2).join(" ")}`,
        createdAt: new Date().toISOString(),
        config: values.config,
        precision: values.precision,
        threads,
        builds: info,
        rows,
      },
      null,
      2,
    ) + "\n",
  );
}
