/**
 * GEMM benchmark: the wasm backend's register-blocked `gemm` on 1 and 2 threads against
 * its naive SIMD loop (`gemmNaive`, the baseline), in the four transpose cases, side by
 * side in one process. Median of tinybench samples after warm-up; prints a table and, with
 * `--json FILE`, writes GFLOP/s per case and the ratio to the baseline.
 * Usage: node dist/gemm.js [--m 512 --n 1024 --k 1024] [--time MS] [--threads 1,2] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import { WasmBackend } from "@dlrm/backend-wasm";
import { gflops, machine, median, table } from "./report.js";

const { values } = parseArgs({
  options: {
    m: { type: "string", default: "512" },
    n: { type: "string", default: "1024" },
    k: { type: "string", default: "1024" },
    time: { type: "string", default: "1500" },
    threads: { type: "string", default: "1,2" },
    json: { type: "string" },
  },
});
const m = Number(values.m),
  n = Number(values.n),
  k = Number(values.k);
const threadCounts = values.threads.split(",").map(Number);

/** One measured variant of one transpose case. */
interface Row {
  case: string;
  variant: string;
  threads: number;
  medianMs: number;
  samples: number;
  gflops: number;
  ratioToBaseline: number;
}

const CASES: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const caseName = (ta: boolean, tb: boolean): string => `${ta ? "T" : "N"}${tb ? "T" : "N"}`;

function seeded(size: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: size }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

const backends = new Map<number, WasmBackend>();
for (const t of new Set([1, ...threadCounts])) backends.set(t, await WasmBackend.create(t));
const inputs = new Map<
  number,
  { a: ReturnType<WasmBackend["alloc"]>; b: ReturnType<WasmBackend["alloc"]>; c: ReturnType<WasmBackend["alloc"]> }
>();
for (const [t, be] of backends) {
  const a = be.alloc([m * k], "f32"),
    b = be.alloc([k * n], "f32"),
    c = be.alloc([m * n], "f32");
  be.write(a, seeded(m * k, 1));
  be.write(b, seeded(k * n, 2));
  be.fill({ t: c, value: 0 });
  inputs.set(t, { a, b, c });
}

const bench = new Bench({ time: Number(values.time), iterations: 5, warmupTime: 200, warmupIterations: 2 });
const meta = new Map<string, { case: string; variant: string; threads: number }>();
for (const [ta, tb] of CASES) {
  const name = caseName(ta, tb);
  const one = backends.get(1)!;
  const io1 = inputs.get(1)!;
  bench.add(`${name} naive`, () => one.gemmNaive({ ...io1, m, n, k, transA: ta, transB: tb, alpha: 1, beta: 0 }));
  meta.set(`${name} naive`, { case: name, variant: "naive SIMD loop", threads: 1 });
  for (const t of threadCounts) {
    const be = backends.get(t)!;
    const io = inputs.get(t)!;
    bench.add(`${name} gemm x${t}`, () => be.gemm({ ...io, m, n, k, transA: ta, transB: tb, alpha: 1, beta: 0 }));
    meta.set(`${name} gemm x${t}`, { case: name, variant: "register-blocked gemm", threads: t });
  }
}

await bench.warmup();
await bench.run();

const rows: Row[] = [];
const baseline = new Map<string, number>();
for (const task of bench.tasks) {
  const info = meta.get(task.name)!;
  const samples = task.result?.samples ?? [];
  const ms = median(samples);
  const rate = gflops(m, n, k, ms);
  if (info.variant.startsWith("naive")) baseline.set(info.case, rate);
  rows.push({ ...info, medianMs: ms, samples: samples.length, gflops: rate, ratioToBaseline: Number.NaN });
}
for (const row of rows) row.ratioToBaseline = row.gflops / baseline.get(row.case)!;

const fmt = (x: number, d = 2): string => x.toFixed(d);
console.log(
  `GEMM ${m} x ${n} x ${k}, fp32, alpha 1, beta 0; median of samples after warm-up (${machine().cpu}, ${machine().cores} cores, Node ${process.version})`,
);
console.log(
  table(
    ["case", "variant", "threads", "median ms", "GFLOP/s", "x baseline", "samples"],
    rows.map((r) => [
      r.case,
      r.variant,
      String(r.threads),
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
    `${JSON.stringify({ benchmark: "gemm", m, n, k, machine: machine(), results: rows }, null, 2)}\n`,
  );
  console.log(`wrote ${values.json}`);
}
for (const be of backends.values()) be.dispose();
