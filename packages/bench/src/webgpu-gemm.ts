/**
 * WebGPU GEMM benchmark: each kernel variant of @dlrm/backend-webgpu (the register-blocked
 * "tiled" kernel, the "naive16" 16x16-tiled baseline) in the four transpose cases, in one
 * process on one device. A sample records `reps` products in one command buffer, submits
 * and waits; median ms per product after warm-up; prints a table and, with `--json FILE`,
 * writes GFLOP/s per case and the ratio to the baseline, with the adapter named.
 * Usage: node dist/webgpu-gemm.js [--m 512 --n 1024 --k 1024] [--samples 7] [--min-ms 200] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { commandLine } from "./environment.js";
import { parseArgs } from "node:util";
import { GEMM_VARIANTS, WebGpuBackend, type GemmVariant } from "@dlrm/backend-webgpu";
import { gflops, machine, median, table } from "./report.js";

const { values } = parseArgs({
  options: {
    m: { type: "string", default: "512" },
    n: { type: "string", default: "1024" },
    k: { type: "string", default: "1024" },
    samples: { type: "string", default: "7" },
    "min-ms": { type: "string", default: "200" },
    cases: { type: "string", default: "NN,TN,NT,TT" },
    json: { type: "string" },
  },
});
const m = Number(values.m),
  n = Number(values.n),
  k = Number(values.k);
const sampleCount = Number(values.samples);
const minMs = Number(values["min-ms"]);

interface Row {
  case: string;
  variant: GemmVariant;
  reps: number;
  medianMs: number;
  samples: number;
  gflops: number;
  ratioToBaseline: number;
}

function seeded(size: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: size }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

const gpu = await WebGpuBackend.create("lazy");
const a = gpu.alloc([m * k], "f32", "A"),
  b = gpu.alloc([k * n], "f32", "B"),
  c = gpu.alloc([m * n], "f32", "C");
gpu.write(a, seeded(m * k, 1));
gpu.write(b, seeded(k * n, 2));

/** ms per product of `reps` products recorded into one submission. */
async function sample(variant: GemmVariant, ta: boolean, tb: boolean, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++)
    gpu.gemmVariant({ a, b, c, m, n, k, transA: ta, transB: tb, alpha: 1, beta: 0 }, variant);
  gpu.markStep();
  await gpu.sync();
  return (performance.now() - t0) / reps;
}

const rows: Row[] = [];
for (const name of values.cases.split(",")) {
  const ta = name[0] === "T",
    tb = name[1] === "T";
  for (const variant of GEMM_VARIANTS) {
    const first = await sample(variant, ta, tb, 1); // warm-up: compiles the pipeline
    const reps = Math.max(
      1,
      Math.min(1000, Math.ceil(minMs / Math.max(await sample(variant, ta, tb, 1), first / 10, 1e-3))),
    );
    const times: number[] = [];
    for (let s = 0; s < sampleCount; s++) times.push(await sample(variant, ta, tb, reps));
    const ms = median(times);
    rows.push({
      case: name,
      variant,
      reps,
      medianMs: ms,
      samples: times.length,
      gflops: gflops(m, n, k, ms),
      ratioToBaseline: Number.NaN,
    });
  }
}
for (const row of rows)
  row.ratioToBaseline = row.gflops / rows.find((r) => r.case === row.case && r.variant === "naive16")!.gflops;

const fmt = (x: number, d = 2): string => x.toFixed(d);
console.log(
  `WebGPU GEMM ${m} x ${n} x ${k}, fp32, alpha 1, beta 0 on ${gpu.info.device}; median ms per product after warm-up (host ${machine().cpu}, Node ${process.version})`,
);
console.log(
  table(
    ["case", "variant", "reps/sample", "median ms", "GFLOP/s", "x naive16", "samples"],
    rows.map((r) => [
      r.case,
      r.variant,
      String(r.reps),
      fmt(r.medianMs, 3),
      fmt(r.gflops),
      fmt(r.ratioToBaseline),
      String(r.samples),
    ]),
  ),
);
if (values.json !== undefined) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ benchmark: "webgpu-gemm", command: commandLine(), m, n, k, device: gpu.info.device, machine: machine(), results: rows }, null, 2)}\n`,
  );
  console.log(`wrote ${values.json}`);
}
gpu.dispose();
