/**
 * Buffer lifetime under garbage collection (run by lazy-gc.test.ts as
 * `node --expose-gc lazy-gc-child.mjs ADDON`): a lazy step whose inputs were written from
 * arrays that are now unreachable, whose tensors are freed, and whose engine loses its
 * last JS reference while the step runs, with gc() called throughout; results must equal
 * an eager run bit for bit. Prints one JSON line of checks.
 */
import { createRequire } from "node:module";

const addon = createRequire(import.meta.url)(process.argv[2]);
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");
const N = 384;

/** Records (or runs) a few big GEMMs and ReLUs; returns the output id and the input ids. */
function record(e) {
  const ids = {};
  {
    const a = new Float32Array(N * N).map((_, i) => Math.sin(i) * 0.1);
    const b = new Float32Array(N * N).map((_, i) => Math.cos(i) * 0.1);
    for (const [name, data] of [
      ["a", a],
      ["b", b],
    ]) {
      ids[name] = e.alloc(N * N, "f32", name);
      e.write(ids[name], data, 0);
    }
  }
  ids.c = e.alloc(N * N, "f32", "c");
  ids.out = e.alloc(N * N, "f32", "out");
  for (let r = 0; r < 6; r++) {
    e.gemm({ a: ids.a, b: ids.b, c: ids.c, m: N, n: N, k: N, transA: false, transB: r % 2 === 1, alpha: 1, beta: 0.5 });
    e.reluForward({ x: ids.c, y: ids.c, size: N * N });
    e.gemm({ a: ids.c, b: ids.a, c: ids.out, m: N, n: N, k: N, transA: true, transB: false, alpha: 0.25, beta: 1 });
  }
  return ids;
}

const eager = new addon.Engine(false);
const want = new Float32Array(N * N);
eager.read(record(eager).out, want);

const checks = {};
const lazy = new addon.Engine(true);
const ids = record(lazy);
lazy.markStep();
checks.busyAfterMarkStep = lazy.busy();
for (const name of ["a", "b", "c"]) lazy.free(ids[name]);
let spins = 0;
while (lazy.busy()) {
  globalThis.gc();
  new Array(1000).fill(0).map(() => new Float32Array(256));
  spins++;
  await new Promise((r) => setImmediate(r));
}
const got = new Float32Array(N * N);
lazy.read(ids.out, got);
checks.gcCallsWhileRunning = spins;
checks.bitIdentical = Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer)) === 0;

/** Starts a lazy step on an engine that no JS reference holds once this returns. */
function orphanStep() {
  const orphan = new addon.Engine(true);
  record(orphan);
  orphan.markStep();
  const settled = orphan.sync();
  orphan.dispose();
  return settled;
}
const settled = orphanStep();
for (let i = 0; i < 20; i++) {
  globalThis.gc();
  await new Promise((r) => setImmediate(r));
}
await settled;
checks.orphanSettled = true;
console.log(JSON.stringify(checks));
