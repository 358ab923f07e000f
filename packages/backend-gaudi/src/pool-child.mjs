// Child process for pool.test.ts: counts this process's OS threads (/proc/self/task)
// before loading the addon and after an OpenBLAS GEMM, a oneDNN-sized GEMM and a
// parallel kernel have run; prints one JSON line. Usage: node pool-child.mjs ADDON
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";

const threadCount = () => readdirSync("/proc/self/task").length;
const before = threadCount();
const addon = createRequire(import.meta.url)(process.argv[2]);
const e = new addon.Engine(false);
const upload = (len) => {
  const id = e.alloc(len, "f32", "t");
  e.write(
    id,
    Float32Array.from({ length: len }, (_, i) => ((i * 7919) % 1000) / 500 - 1),
    0,
  );
  return id;
};
const gemm = (m, n, k) => {
  const [a, b, c] = [upload(m * k), upload(k * n), upload(m * n)];
  e.gemm({ a, b, c, m, n, k, transA: false, transB: false, alpha: 1, beta: 0, precision: "fp32" });
  e.gemm({ a, b: upload(n * k), c, m, n, k, transA: false, transB: true, alpha: 1, beta: 0, precision: "fp32" });
  e.read(c, new Float32Array(m * n));
};
gemm(256, 256, 256);
gemm(512, 512, 512);
const x = upload(1 << 20);
e.reluForward({ x, y: upload(1 << 20), size: 1 << 20 });
e.read(x, new Float32Array(1 << 20));
const info = addon.info();
console.log(
  JSON.stringify({
    added: threadCount() - before,
    threads: info.threads,
    blasThreading: info.blasThreading,
    routes: [addon.gemmLibrary(512, 512, 512, false, true), addon.gemmLibrary(256, 256, 256, false, false)],
  }),
);
