// Child process for routes.test.ts, run once per route with DLRM_CPU_ISA and
// DLRM_GEMM_LIBRARY set: loads the backend through its loader (dist/), then checks GEMM
// shapes of every tile regime bit for bit on 1-4 threads and on sampled entries against
// float64, whole training steps (every parallel kernel: GEMM, bias gradient, embedding
// bags, sparse and fused Adagrad, interaction) bit for bit on 1-3 threads and lazily, and
// every unit conformance case against the reference; prints one JSON line.
import { createRandomSource, DEFAULT_TRAIN_CONFIG, ReferenceBackend, roundArrayToBf16, trainModel } from "@dlrm/core";
import { ALL_CASES, caseApplies, checkCase, EXPECTED_FAILURES, implementedFusedOps } from "@dlrm/conformance";
import { gaudiBackendFactory, loadNative } from "../dist/index.js";

const { addon, reason } = loadNative();
if (addon === undefined) {
  console.log(JSON.stringify({ error: reason }));
  process.exit(0);
}
const THREADS = [1, 2, 3, 4];

function seeded(len, seed) {
  const a = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

/** [m, n, k, transA, transB, precision, alpha, beta]: one tile, n- and m-split slabs, bf16, alpha/beta (oneDNN applies them after the tile). */
const GEMMS = [
  [37, 29, 53, true, true, "fp32", 0.5, 1.5],
  [512, 256, 512, false, true, "bf16", 1, 0],
  [512, 256, 512, false, true, "fp32", 1, 0],
  [256, 512, 128, true, false, "fp32", 1, 0],
  [128, 512, 256, false, false, "fp32", 1, 0],
  [700, 300, 200, true, true, "fp32", 0.5, 1.5],
  [1024, 512, 1024, false, true, "bf16", 1, 0],
  [512, 2048, 512, false, false, "fp32", 1, 1],
];

function gemmChecks() {
  const e = new addon.Engine(false);
  const up = (d) => {
    const id = e.alloc(d.length, "f32", "t");
    e.write(id, d, 0);
    return id;
  };
  const out = [];
  for (const [m, n, k, transA, transB, precision, alpha, beta] of GEMMS) {
    const [a, b, c0] = [seeded(m * k, m + 1), seeded(k * n, n + 2), seeded(m * n, k + 3)];
    const ids = [up(a), up(b)];
    const runs = THREADS.map((t) => {
      addon.setThreads(t);
      const c = up(beta === 0 ? new Float32Array(m * n).fill(NaN) : c0);
      e.gemm({ a: ids[0], b: ids[1], c, m, n, k, transA, transB, alpha, beta, precision });
      const r = new Float32Array(m * n);
      e.read(c, r);
      e.free(c);
      return r;
    });
    const first = Buffer.from(runs[0].buffer);
    const [ra, rb] = precision === "bf16" ? [roundArrayToBf16(a), roundArrayToBf16(b)] : [a, b];
    let worst = 0;
    for (let s = 0; s < 300; s++) {
      const i = (s * 7919) % m;
      const j = (s * 104729 + 17) % n;
      let want = 0;
      let absSum = 0;
      for (let p = 0; p < k; p++) {
        const prod = (transA ? ra[p * m + i] : ra[i * k + p]) * (transB ? rb[j * k + p] : rb[p * n + j]);
        want += prod;
        absSum += Math.abs(prod);
      }
      const extra = beta === 0 ? 0 : beta * c0[i * n + j];
      const got = runs[0][i * n + j];
      worst = Math.max(worst, Math.abs(got - (alpha * want + extra)) / (Math.abs(alpha) * absSum + Math.abs(extra)));
      if (Number.isNaN(got)) worst = Infinity;
    }
    out.push({
      name: `${m}x${n}x${k} ${transA ? "T" : "N"}${transB ? "T" : "N"} ${precision} alpha ${alpha} beta ${beta}`,
      library: addon.gemmLibrary(m, n, k, transA, transB, precision === "bf16"),
      sameOnThreads: runs.map((r) => Buffer.from(r.buffer).equals(first)),
      maxRelError: worst,
    });
    for (const id of ids) e.free(id);
  }
  e.dispose();
  return out;
}

/** Large enough that every parallel kernel splits over the threads; table 1 (7 rows) repeats rows. */
const STEP_VARIANTS = [
  { interaction: "dot", interactionItself: false, optimizer: "adagrad", loss: "bce", precision: "fp32" },
  { interaction: "cat", interactionItself: false, optimizer: "rwsadagrad", loss: "bce", precision: "bf16" },
  { interaction: "dot", interactionItself: true, optimizer: "sgd", loss: "mse", precision: "fp32" },
];

async function trainAndRead(v, threads, mode) {
  const backend = await gaudiBackendFactory.create({ threads, mode });
  try {
    const cfg = {
      ...DEFAULT_TRAIN_CONFIG,
      precision: v.precision,
      model: {
        embeddingDim: 32,
        tableRows: [6000, 7, 4000],
        bottomMlp: [13, 256, 32],
        topMlp: [256, 128, 1],
        interaction: v.interaction,
        interactionItself: v.interactionItself,
      },
      batchSize: 256,
      learningRate: 0.05,
      optimizer: v.optimizer,
      loss: v.loss,
      numBatches: 2,
      printFreq: 2,
      seed: 11,
      mode,
    };
    const data = {
      kind: "random",
      dataSize: 512,
      numIndicesPerLookup: 8,
      numIndicesPerLookupFixed: false,
      roundTargets: true,
    };
    const { model } = await trainModel(backend, cfg, createRandomSource(cfg, data));
    const parts = [];
    for (const [, t] of [...model.namedParameters(), ...model.namedOptimizerState()])
      parts.push(Buffer.from((await backend.read(t)).buffer));
    return Buffer.concat(parts);
  } finally {
    backend.dispose();
  }
}

async function stepChecks() {
  const out = [];
  for (const v of STEP_VARIANTS) {
    const first = await trainAndRead(v, 1, "eager");
    const same = [];
    for (const [t, mode] of [
      [2, "eager"],
      [3, "eager"],
      [2, "lazy"],
    ])
      same.push({ threads: t, mode, same: (await trainAndRead(v, t, mode)).equals(first) });
    out.push({
      name: `${v.interaction}${v.interactionItself ? " itself" : ""} ${v.optimizer} ${v.loss} ${v.precision}`,
      same,
    });
  }
  return out;
}

async function conformance() {
  addon.setThreads(2);
  const eager = await gaudiBackendFactory.create({ mode: "eager" });
  const lazy = await gaudiBackendFactory.create({ mode: "lazy" });
  const reference = new ReferenceBackend();
  const implemented = implementedFusedOps(eager);
  const expected = EXPECTED_FAILURES.filter((f) => f.backend === "gaudi").map((f) => f.caseName);
  const failed = [];
  const passedButExpected = [];
  let run = 0;
  try {
    for (const c of ALL_CASES) {
      if (c.scale !== "unit" || !caseApplies(c, implemented)) continue;
      run++;
      const problems = await checkCase(c, eager, lazy, reference);
      if (expected.includes(c.name)) {
        if (problems.length === 0) passedButExpected.push(c.name);
      } else if (problems.length > 0) failed.push(`${c.name}: ${problems.join("; ")}`);
    }
  } finally {
    eager.dispose();
    lazy.dispose();
    reference.dispose();
  }
  return { run, failed, passedButExpected };
}

const device = (await gaudiBackendFactory.create({ mode: "eager" })).info.device;
const report = {
  info: addon.info(),
  device,
  gemm: gemmChecks(),
  steps: await stepChecks(),
  conformance: await conformance(),
};
console.log(JSON.stringify(report));
