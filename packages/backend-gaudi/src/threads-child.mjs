// Child process for threads.test.ts: resizes the process pool down and up between
// parallel ops (a large fp32 relu and a bf16 GEMM big enough to go to oneDNN when built
// in), comparing each result with the first (GEMM and relu counted apart); prints one
// JSON line. Usage: node threads-child.mjs ADDON
import { createRequire } from "node:module";

const addon = createRequire(import.meta.url)(process.argv[2]);
const e = new addon.Engine(false);
const [m, n, k] = [512, 256, 512];
const fill = (len, f) => Float32Array.from({ length: len }, (_, i) => f(i));
const upload = (d) => {
  const id = e.alloc(d.length, "f32", "t");
  e.write(id, d, 0);
  return id;
};
const a = upload(fill(m * k, (i) => ((i * 7919) % 1000) / 500 - 1));
const b = upload(fill(k * n, (i) => ((i * 104729) % 1000) / 500 - 1));
const x = upload(fill(1 << 20, (i) => (i % 3) - 1));
const run = () => {
  const c = upload(new Float32Array(m * n).fill(NaN));
  const y = upload(new Float32Array(1 << 20).fill(NaN));
  e.gemm({ a, b, c, m, n, k, transA: false, transB: true, alpha: 1, beta: 0, precision: "bf16" });
  e.reluForward({ x, y, size: 1 << 20 });
  const out = [new Float32Array(m * n), new Float32Array(1 << 20)];
  e.read(c, out[0]);
  e.read(y, out[1]);
  return out.map((o) => Buffer.from(o.buffer));
};
const first = run();
const sizes = [1, 2, 1, 3, 2];
let gemmSame = 0;
let reluSame = 0;
for (const t of sizes) {
  addon.setThreads(t);
  const r = run();
  if (r[0].equals(first[0])) gemmSame++;
  if (r[1].equals(first[1])) reluSame++;
}
console.log(
  JSON.stringify({
    resizes: sizes.length,
    gemmSameAsFirst: gemmSame,
    reluSameAsFirst: reluSame,
    route: addon.gemmLibrary(m, n, k, false, true, true),
  }),
);
