/**
 * Fuzz harness child (run by fuzz.test.ts in its own process): calls every addon entry
 * point with seeded random arguments, mixing junk (wrong types, NaN, huge sizes, detached
 * and shared buffers, throwing getters, freed ids) with plausible values so that calls
 * also reach the run-time sparse checks and the kernels. Usage: node fuzz-child.mjs ADDON SEED N
 */
import { createRequire } from "node:module";

const [addonPath, seedArg, countArg] = process.argv.slice(2);
const addon = createRequire(import.meta.url)(addonPath);
let s = Number(seedArg) >>> 0;
const rand = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (n) => Math.floor(rand() * n);

const OPS = {
  gemm: {
    a: "t",
    b: "t",
    c: "t",
    m: "n",
    n: "n",
    k: "n",
    transA: "b",
    transB: "b",
    alpha: "x",
    beta: "x",
    precision: ["fp32", "bf16"],
  },
  linearForward: {
    x: "t",
    weight: "t",
    bias: "t",
    y: "t",
    batchSize: "n",
    inFeatures: "n",
    outFeatures: "n",
    activation: ["none", "relu", "sigmoid"],
    precision: ["fp32", "bf16"],
  },
  biasAddForward: { y: "t", bias: "t", rows: "n", cols: "n" },
  biasAddBackward: { dY: "t", dBias: "t", rows: "n", cols: "n" },
  reluForward: { x: "t", y: "t", size: "n" },
  reluBackward: { y: "t", dY: "t", dX: "t", size: "n" },
  sigmoidForward: { x: "t", y: "t", size: "n" },
  sigmoidBackward: { y: "t", dY: "t", dX: "t", size: "n" },
  crossForward: { x0: "t", y: "t", xl: "t", out: "t", size: "n" },
  crossBackward: { x0: "t", y: "t", dOut: "t", dY: "t", dX0: "t", dXl: "t", size: "n", accumulate: "b" },
  embeddingBagsForward: { tables: "T", sparse: "S", pooled: "t", batchSize: "n", dim: "n" },
  embeddingBagsBackward: { dPooled: "t", sparse: "S", dRows: "t", batchSize: "n", dim: "n", numTables: "n" },
  embeddingBagsBackwardSparseStep: {
    dPooled: "t",
    tables: "T",
    accs: "T",
    sparse: "S",
    dRows: "t",
    lr: "x",
    eps: "x",
    batchSize: "n",
    dim: "n",
    numTables: "n",
    rowWise: "b",
  },
  sparseSgdStep: { tables: "T", sparse: "S", dRows: "t", lr: "x", dim: "n", numTables: "n" },
  sparseAdagradStep: {
    tables: "T",
    accs: "T",
    sparse: "S",
    dRows: "t",
    lr: "x",
    eps: "x",
    dim: "n",
    numTables: "n",
    rowWise: "b",
  },
  interactionForward: {
    x: "t",
    pooled: "t",
    out: "t",
    batchSize: "n",
    dim: "n",
    numTables: "n",
    op: ["dot", "cat"],
    itself: "b",
  },
  interactionBackward: {
    x: "t",
    pooled: "t",
    dOut: "t",
    dX: "t",
    dPooled: "t",
    batchSize: "n",
    dim: "n",
    numTables: "n",
    op: ["dot", "cat"],
    itself: "b",
  },
  lossForward: {
    logits: "t",
    targets: "t",
    probs: "t",
    stats: "t",
    batchSize: "n",
    loss: ["bce", "mse"],
    threshold: "x",
  },
  lossBackward: { logits: "t", targets: "t", dLogits: "t", batchSize: "n", loss: ["bce", "mse"], threshold: "x" },
  sgdStep: { param: "t", grad: "t", lr: "x", size: "n" },
  adagradStep: { param: "t", grad: "t", acc: "t", lr: "x", eps: "x", size: "n" },
  fusedAdagradStep: { params: "T", grads: "T", accs: "T", lr: "x", eps: "x" },
  fill: { t: "t", value: "x" },
};
const SPARSE = ["indices", "offsets", "uniqueRows", "tableUniqueOffsets", "csrOffsets", "csrBags"];

function detached() {
  const buf = new ArrayBuffer(8);
  const v = new Float32Array(buf);
  structuredClone(buf, { transfer: [buf] });
  return v;
}

const engines = [new addon.Engine(false), new addon.Engine(true)];
const live = new Map(engines.map((e) => [e, []]));
const freed = [];

function junk() {
  return pick([
    undefined,
    null,
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    2 ** 31,
    2 ** 53,
    -(2 ** 63),
    "x",
    "",
    true,
    false,
    {},
    [],
    [1, 2],
    new Float32Array(3),
    new Int32Array(5),
    new Float64Array(2),
    new Uint8Array(4),
    detached(),
    new Float32Array(new SharedArrayBuffer(16)),
    Float32Array.from([1, 2, 3]).subarray(1),
    1n,
    Symbol("s"),
    () => 1,
    new Proxy(
      {},
      {
        get() {
          throw new Error("getter");
        },
      },
    ),
    pick(freed) ?? 0,
    1e300,
  ]);
}

function tensorId(e) {
  const ids = live.get(e);
  if (ids.length === 0 || rand() < 0.1) {
    const dtype = rand() < 0.5 ? "f32" : "i32";
    const n = int(40);
    const id = e.alloc(n, dtype, "fuzz");
    const data =
      dtype === "f32"
        ? Float32Array.from({ length: n }, () => rand() * 4 - 2)
        : Int32Array.from({ length: n }, () => int(24) - 2);
    e.write(id, data, 0);
    ids.push(id);
  }
  return pick(ids);
}

function value(e, kind) {
  if (rand() < 0.08) return junk(e);
  if (Array.isArray(kind)) return pick(kind);
  switch (kind) {
    case "t":
      return tensorId(e);
    case "T":
      return Array.from({ length: int(4) }, () => (rand() < 0.95 ? tensorId(e) : junk(e)));
    case "S":
      return Object.fromEntries(SPARSE.map((f) => [f, rand() < 0.95 ? tensorId(e) : junk(e)]));
    case "n":
      return int(7);
    case "b":
      return rand() < 0.5;
    default:
      return rand() < 0.9 ? rand() * 0.4 : pick([0, -1, 1e-10]);
  }
}

let calls = 0;
let errors = 0;
let nonErrors = 0;
const note = (err) => {
  if (err instanceof Error) errors++;
  else nonErrors++;
};

const count = Number(countArg);
for (let i = 0; i < count; i++) {
  const e = pick(engines);
  calls++;
  try {
    const r = rand();
    if (r < 0.75) {
      const name = pick(Object.keys(OPS));
      const args =
        rand() < 0.03
          ? junk(e)
          : Object.fromEntries(
              Object.entries(OPS[name])
                .filter(() => rand() < 0.97)
                .map(([k, kind]) => [k, value(e, kind)]),
            );
      if (rand() < 0.02) addon.Engine.prototype[name].call(junk(e), args);
      else e[name](args);
    } else if (r < 0.8) {
      e.write(value(e, "t"), rand() < 0.5 ? junk(e) : new Float32Array(int(8)), rand() < 0.8 ? int(8) : junk(e));
    } else if (r < 0.85) {
      const id = value(e, "t");
      e.read(id, rand() < 0.5 ? junk(e) : new Float32Array(int(40)));
    } else if (r < 0.88) {
      const ids = live.get(e);
      const id = ids.splice(int(ids.length), 1)[0];
      if (id !== undefined) freed.push(id);
      e.free(id ?? junk(e));
    } else if (r < 0.93) {
      e.markStep();
    } else if (r < 0.96) {
      e.alloc(rand() < 0.7 ? int(30) : junk(e), pick(["f32", "i32", junk(e)]), rand() < 0.9 ? "x" : junk(e));
    } else {
      const dim = () => (rand() < 0.8 ? int(5000) : junk(e));
      const flag = () => (rand() < 0.8 ? rand() < 0.5 : junk(e));
      addon.gemmLibrary(dim(), dim(), dim(), flag(), flag(), ...(rand() < 0.5 ? [flag()] : []));
    }
  } catch (err) {
    note(err);
  }
  if (i % 200 === 199) {
    try {
      await engines[1].sync();
    } catch (err) {
      note(err);
    }
  }
}
try {
  engines[1].markStep();
  await engines[1].sync();
} catch (err) {
  note(err);
}
for (const e of engines) e.dispose();
console.log(JSON.stringify({ calls, errors, nonErrors }));
process.exit(nonErrors === 0 ? 0 : 2);
