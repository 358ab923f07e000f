import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
import { loadNative } from "./dist/native.js";
const be = await gaudiBackendFactory.create({ mode: "eager" });
const x = be.alloc([4], "f32", "x");
const N = 200000;
for (let r = 0; r < 2; r++) {
  let t0 = performance.now(); for (let i = 0; i < N; i++) be.reluForward({ x, y: x, size: 4 }); console.log("backend op", ((performance.now() - t0) / N * 1000).toFixed(2), "us");
  const e = new (loadNative().addon.Engine)(false); const id = e.alloc(4, "f32", "x");
  t0 = performance.now(); for (let i = 0; i < N; i++) e.reluForward({ x: id, y: id, size: 4 }); console.log("raw op", ((performance.now() - t0) / N * 1000).toFixed(2), "us");
  const L = new (loadNative().addon.Engine)(true); const lid = L.alloc(4, "f32", "x");
  t0 = performance.now(); for (let i = 0; i < N; i++) { L.reluForward({ x: lid, y: lid, size: 4 }); if (i % 50 === 49) { L.markStep(); await L.sync(); } } console.log("raw lazy op", ((performance.now() - t0) / N * 1000).toFixed(2), "us");
}
