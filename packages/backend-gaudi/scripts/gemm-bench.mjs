#!/usr/bin/env node
/**
 * GEMM-level benchmark of the native addon on the DLRM step's products (every forward,
 * weight-gradient and input-gradient GEMM of the kaggle and medium bench configs), for
 * one or more builds of the addon side by side: each round runs every build in its own
 * child process, alternating, and rows give the median over rounds of each child's median
 * call time. Usage:
 *   node scripts/gemm-bench.mjs --addon new=build/Release/dlrm_gaudi.node --addon old=/path/old.node
 *     [--config kaggle|medium] [--threads 2] [--rounds 3] [--calls 30] [--json FILE]
 * The environment (DLRM_CPU_ISA, DLRM_GEMM_LIBRARY, OPENBLAS_CORETYPE) passes to the children.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const LAYERS = {
  kaggle: { batch: 128, mlps: [[13, 512, 256, 64, 16], [367, 512, 256, 1]] },
  medium: { batch: 512, mlps: [[1024, 1024, 1024, 64], [128, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 1]] },
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

function child(addonPath, config, threads, calls, precision) {
  const addon = createRequire(import.meta.url)(resolve(addonPath));
  addon.setThreads(threads);
  const e = new addon.Engine(false);
  const seeded = (len, seed) => {
    const a = new Float32Array(len);
    let s = seed;
    for (let i = 0; i < len; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      a[i] = s / 2 ** 32 - 0.5;
    }
    return a;
  };
  const up = (d) => {
    const id = e.alloc(d.length, "f32", "t");
    e.write(id, d, 0);
    return id;
  };
  const out = {};
  for (const [key, m, n, k, transA, transB] of shapes(config)) {
    const [a, b, c] = [up(seeded(m * k, 1)), up(seeded(k * n, 2)), up(new Float32Array(m * n))];
    const args = { a, b, c, m, n, k, transA, transB, alpha: 1, beta: 0, precision };
    const reps = Math.max(3, Math.min(calls, Math.ceil(2e10 / (m * n * k))));
    for (let w = 0; w < 2; w++) e.gemm(args);
    const times = [];
    for (let r = 0; r < reps; r++) {
      const t0 = process.hrtime.bigint();
      e.gemm(args);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((x, y) => x - y);
    out[key] = times[Math.floor(times.length / 2)];
    for (const id of [a, b, c]) e.free(id);
  }
  return { info: addon.info(), ms: out };
}

const { values } = parseArgs({
  options: {
    addon: { type: "string", multiple: true, default: ["new=build/Release/dlrm_gaudi.node"] },
    config: { type: "string", default: "kaggle" },
    threads: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" },
    calls: { type: "string", default: "30" },
    precision: { type: "string", default: "fp32" },
    json: { type: "string" },
    child: { type: "string" },
  },
});
if (!(values.config in LAYERS)) throw new Error(`--config must be kaggle or medium, got ${values.config}`);
if (values.child !== undefined) {
  console.log(JSON.stringify(child(values.child, values.config, Number(values.threads), Number(values.calls), values.precision)));
  process.exit(0);
}

const builds = values.addon.map((s) => {
  const i = s.indexOf("=");
  if (i < 1) throw new Error(`--addon must be LABEL=PATH, got ${s}`);
  return { label: s.slice(0, i), path: s.slice(i + 1) };
});
const runs = new Map(builds.map((b) => [b.label, []]));
const infos = {};
for (let r = 0; r < Number(values.rounds); r++) {
  for (const b of builds) {
    const args = [fileURLToPath(import.meta.url), "--child", b.path, "--config", values.config, "--threads", values.threads, "--calls", values.calls, "--precision", values.precision];
    const p = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (p.status !== 0) throw new Error(`${b.label}: child failed (${p.status}): ${p.stderr}`);
    const res = JSON.parse(p.stdout.trim().split("\n").pop());
    infos[b.label] = res.info;
    runs.get(b.label).push(res.ms);
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const rows = shapes(values.config).map(([key, m, n, k, , , count]) => {
  const row = { gemm: key, perStep: count };
  for (const b of builds) row[b.label] = median(runs.get(b.label).map((ms) => ms[key]));
  return row;
});
const total = { gemm: "step total (ms, per-step counts)", perStep: 1 };
for (const b of builds) total[b.label] = rows.reduce((s, r) => s + r[b.label] * r.perStep, 0);
rows.push(total);
const labels = builds.map((b) => b.label);
console.log(`GEMM ms (median of ${values.rounds} rounds), ${values.config}, ${values.precision}, ${values.threads} threads`);
console.log(["gemm".padEnd(34), ...labels.map((l) => l.padStart(10)), ...(labels.length > 1 ? [`${labels[1]}/${labels[0]}`.padStart(10)] : [])].join(" "));
for (const r of rows) {
  const ratio = labels.length > 1 ? [(r[labels[1]] / r[labels[0]]).toFixed(3).padStart(10)] : [];
  console.log([`${r.gemm}${r.perStep > 1 ? ` x${r.perStep}` : ""}`.padEnd(34), ...labels.map((l) => r[l].toFixed(3).padStart(10)), ...ratio].join(" "));
}
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ command: `node scripts/gemm-bench.mjs ${process.argv.slice(2).join(" ")}`, config: values.config, precision: values.precision, threads: Number(values.threads), rounds: Number(values.rounds), builds: builds.map((b) => ({ ...b, info: infos[b.label] })), date: new Date().toISOString(), rows }, null, 2) + "\n");
}
