import { DEFAULT_TRAIN_CONFIG, randomBatch, trainModel, FUSED_OPS, REQUIRED_OPS } from "@dlrm/core";
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
const which = process.argv[2] ?? "gaudi";
const factory = which === "gaudi" ? gaudiBackendFactory : (await import("@dlrm/backend-wasm")).wasmBackendFactory;
const model = { embeddingDim: 16, tableRows: [100000, 100000, 100000, 100000], bottomMlp: [13, 64, 16], topMlp: [64, 32, 1], interaction: "dot", interactionItself: false };
const cfg = { ...DEFAULT_TRAIN_CONFIG, model, batchSize: 128, numBatches: 200, printFreq: 1e6 };
const data = { kind: "random", dataSize: 128 * 200, numIndicesPerLookup: 8, numIndicesPerLookupFixed: false, roundTargets: true };
const pool = Array.from({ length: 4 }, (_, i) => randomBatch(cfg, data, i));
const src = { batchesPerEpoch: 200, maxIndicesPerBag: 8, description: "", async *batches() { for (let i = 0; i < 200; i++) yield pool[i % 4]; } };
const be = await factory.create({ mode: "eager", threads: Number(process.argv[3] ?? 2) });
const times = new Map();
for (const name of [...REQUIRED_OPS, ...FUSED_OPS, "write"]) {
  const f = be[name]; if (typeof f !== "function") continue;
  be[name] = (...a) => { const t0 = process.hrtime.bigint(); f.apply(be, a); const dt = Number(process.hrtime.bigint() - t0) / 1e3; const e = times.get(name) ?? [0, 0]; e[0] += dt; e[1]++; times.set(name, e); };
}
const { summary } = await trainModel(be, cfg, src);
console.log(which, summary.msPerIteration.toFixed(3), "ms/it");
let total = 0;
for (const [k, [us, n]] of [...times].sort((a, b) => b[1][0] - a[1][0])) { total += us; console.log(k.padEnd(34), (us / 200).toFixed(1).padStart(8), "us/step", (n / 200).toFixed(0).padStart(3), "calls/step"); }
console.log("total ops", (total / 200).toFixed(1), "us/step");
