/**
 * One rank of the collectives job (run by collectives.test.ts as
 * `mpirun ... node collectives-child.mjs DIST_INDEX OUT_DIR`): allToAllV with unequal and
 * zero counts for each element type (and one large block, past vader's eager limit),
 * allGatherV, broadcast from the last rank, barrier, and allReduceSum against the rank-order
 * sum. Writes OUT_DIR/rank-R.json: { rank, worldSize, version, threadLevel, checks, reduceBits }.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const [distIndex, outDir] = process.argv.slice(2);
const { MpiCommunicator } = await import(distIndex);
const comm = await MpiCommunicator.create({ timeoutMs: 30_000 });
const { rank: r, worldSize: N } = comm;
const checks = {};

const types = { Float32Array, Float64Array, Int32Array, Uint8Array };
/** The value of element k of the block rank `from` sends rank `to`. */
const value = (T, from, to, k) => (T === Uint8Array ? (from * 50 + to * 10 + k) & 255 : from * 1000 + to * 100 + k - 7);
/** Unequal counts with zeros: rank 0 sends itself nothing, and so on. */
const count = (from, to) => ((from + 2 * to) % 3) + (from === to ? 0 : from);

function expectEqual(name, got, want) {
  const g = Array.from(got);
  const w = Array.from(want);
  const same = g.length === w.length && g.every((x, i) => Object.is(x, w[i]));
  checks[name] = same ? true : { got: g.slice(0, 20), want: w.slice(0, 20), gotLength: g.length, wantLength: w.length };
}

for (const [name, T] of Object.entries(types)) {
  const sendCounts = Array.from({ length: N }, (_, s) => count(r, s));
  const recvCounts = Array.from({ length: N }, (_, s) => count(s, r));
  const send = new T(sendCounts.reduce((a, b) => a + b, 0) + 3); // 3 spare elements, never sent
  let at = 0;
  for (let s = 0; s < N; s++) for (let k = 0; k < sendCounts[s]; k++) send[at++] = value(T, r, s, k);
  const recv = new T(recvCounts.reduce((a, b) => a + b, 0) + 2).fill(T === Uint8Array ? 255 : -1);
  await comm.allToAllV(send, sendCounts, recv, recvCounts);
  const want = new T(recv.length).fill(T === Uint8Array ? 255 : -1);
  at = 0;
  for (let s = 0; s < N; s++) for (let k = 0; k < recvCounts[s]; k++) want[at++] = value(T, s, r, k);
  expectEqual(`allToAllV ${name}`, recv, want);
}

{
  // Large blocks (1.6 MB per pair): vader's single-copy path (CMA) instead of its eager buffers.
  const M = 200_000;
  const send = new Float64Array(M * N).map((_, i) => r * 1e7 + i);
  const recv = new Float64Array(M * N);
  const c = Array(N).fill(M);
  await comm.allToAllV(send, c, recv, c);
  const want = new Float64Array(M * N).map((_, i) => Math.floor(i / M) * 1e7 + r * M + (i % M));
  expectEqual("allToAllV large Float64Array", recv, want);
}

for (const [name, T] of Object.entries(types)) {
  const counts = Array.from({ length: N }, (_, s) => (s === 1 ? 0 : s + 2));
  const send = new T(counts[r]).map((_, i) => value(T, r, 0, i));
  const recv = new T(counts.reduce((a, b) => a + b, 0));
  await comm.allGatherV(send, recv, counts);
  const want = [];
  for (let s = 0; s < N; s++) for (let i = 0; i < counts[s]; i++) want.push(value(T, s, 0, i));
  expectEqual(`allGatherV ${name}`, recv, T.from(want));
}

for (const [name, T] of Object.entries(types)) {
  const root = N - 1;
  const buf = new T(37);
  if (r === root) for (let i = 0; i < buf.length; i++) buf[i] = value(T, root, 3, i);
  await comm.broadcast(buf, root);
  expectEqual(
    `broadcast ${name} from rank ${root}`,
    buf,
    new T(37).map((_, i) => value(T, root, 3, i)),
  );
}

await comm.barrier();
checks["barrier"] = true;

/** mulberry32 seeded per rank: every rank can recompute every rank's input. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const LEN = 1001; // not a multiple of the world size
const input = (rank) => {
  const g = rng(1234 + rank);
  // Mixed magnitudes, so the order of the additions changes the float32 result.
  return new Float32Array(LEN).map(() => (g() - 0.5) * 10 ** Math.floor(g() * 8 - 3));
};
const hex = (a) =>
  createHash("sha256")
    .update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
    .digest("hex");
const reduceBits = [];
for (let run = 0; run < 2; run++) {
  const buf = input(r);
  await comm.allReduceSum(buf);
  const want = new Float32Array(LEN);
  for (let i = 0; i < LEN; i++) {
    let acc = input(0)[i];
    for (let s = 1; s < N; s++) acc = Math.fround(acc + input(s)[i]);
    want[i] = acc;
  }
  expectEqual(`allReduceSum Float32Array run ${run} equals the rank-order float32 sum`, buf, want);
  reduceBits.push(hex(buf));
}
checks["allReduceSum twice gives the same bits"] = reduceBits[0] === reduceBits[1];
{
  const f64 = new Float64Array(10).map((_, i) => r + i / 4);
  await comm.allReduceSum(f64);
  expectEqual(
    "allReduceSum Float64Array",
    f64,
    new Float64Array(10).map((_, i) => (N * (N - 1)) / 2 + (N * i) / 4),
  );
  const i32 = new Int32Array(5).map((_, i) => 2 ** 30 + r * i);
  await comm.allReduceSum(i32);
  expectEqual(
    "allReduceSum Int32Array (wraps like int32)",
    i32,
    new Int32Array(5).map((_, i) => (N * 2 ** 30 + ((N * (N - 1)) / 2) * i) | 0),
  );
}

writeFileSync(
  join(outDir, `rank-${r}.json`),
  JSON.stringify({
    rank: r,
    worldSize: N,
    version: comm.version,
    threadLevel: comm.threadLevel,
    name: comm.name,
    checks,
    reduceBits,
  }),
);
await comm.close();
