/**
 * One rank of the argument-validation job (run by validation.test.ts as
 * `mpirun -np 2 ... node validation-child.mjs DIST_INDEX OUT_DIR`): calls every collective of
 * MpiCommunicator and of the raw addon with bad arguments, records what each threw, then runs
 * real collectives to show the process survived. Writes OUT_DIR/rank-R.json:
 * { rank, cases: [{ name, layer, threw, errorName, message, want }], survived, afterClose }.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const [distIndex, outDir] = process.argv.slice(2);
const { MpiCommunicator, loadNative } = await import(distIndex);
const comm = await MpiCommunicator.create();
const native = loadNative().addon;
const { rank, worldSize: N } = comm;
const cases = [];

/** Runs fn (sync throw or rejected promise both count) and records the outcome. */
async function expectThrow(layer, name, fn, want) {
  let outcome = { name, layer, threw: false, want };
  try {
    const p = fn();
    if (p && typeof p.then === "function") await p;
  } catch (e) {
    outcome = { ...outcome, threw: true, errorName: e?.name, isError: e instanceof Error, message: String(e?.message) };
  }
  cases.push(outcome);
}

const f32 = (n) => new Float32Array(n);
const ok2 = [1, 1];
const layers = { ts: comm, native };
for (const [layer, c] of Object.entries(layers)) {
  const t = (name, fn, want) => expectThrow(layer, name, () => fn(c), want);
  await t("allToAllV sendCounts of the wrong length", (c) => c.allToAllV(f32(4), [1], f32(4), ok2), {
    argument: "sendCounts",
    text: "expected 2 counts",
  });
  await t("allToAllV recvCounts of the wrong length", (c) => c.allToAllV(f32(4), ok2, f32(4), [1, 1, 1]), {
    argument: "recvCounts",
    text: "expected 2 counts",
  });
  await t("allToAllV negative count", (c) => c.allToAllV(f32(4), [-1, 1], f32(4), ok2), {
    argument: "sendCounts[0]",
    text: "non-negative integer",
  });
  await t("allToAllV fractional count", (c) => c.allToAllV(f32(4), ok2, f32(4), [1, 1.5]), {
    argument: "recvCounts[1]",
    text: "non-negative integer",
  });
  await t("allToAllV NaN count", (c) => c.allToAllV(f32(4), [NaN, 1], f32(4), ok2), {
    argument: "sendCounts[0]",
    text: "non-negative integer",
  });
  await t("allToAllV string count", (c) => c.allToAllV(f32(4), ["1", 1], f32(4), ok2), {
    argument: "sendCounts[0]",
    text: "non-negative integer",
  });
  await t("allToAllV sendCounts add up past send", (c) => c.allToAllV(f32(3), [2, 2], f32(4), ok2), {
    argument: "sendCounts",
    text: "add up to 4",
  });
  await t("allToAllV recvCounts add up past recv", (c) => c.allToAllV(f32(4), ok2, f32(1), ok2), {
    argument: "recvCounts",
    text: "add up to 2",
  });
  await t("allToAllV mismatched element types", (c) => c.allToAllV(f32(4), ok2, new Int32Array(4), ok2), {
    argument: "send and recv",
    text: "same element type",
  });
  await t("allToAllV send not a typed array", (c) => c.allToAllV([1, 2], ok2, f32(4), ok2), {
    argument: "send",
    text: "Float32Array",
  });
  await t("allToAllV unsupported typed array", (c) => c.allToAllV(f32(4), ok2, new Int16Array(4), ok2), {
    argument: "recv",
    text: "Float32Array",
  });
  await t("allToAllV counts not an array", (c) => c.allToAllV(f32(4), 2, f32(4), ok2), {
    argument: "sendCounts",
    text: "",
  });
  await t("allToAllV count above INT_MAX", (c) => c.allToAllV(f32(4), [2 ** 31, 0], f32(4), ok2), {
    argument: "sendCounts",
    text: "",
  });
  await t("allGatherV counts of the wrong length", (c) => c.allGatherV(f32(1), f32(4), [1]), {
    argument: "counts",
    text: "expected 2 counts",
  });
  await t("allGatherV this rank's count differs from send.length", (c) => c.allGatherV(f32(2), f32(4), ok2), {
    argument: `counts[${rank}]`,
    text: "send.length",
  });
  await t("allGatherV counts add up past recv", (c) => c.allGatherV(f32(1), f32(1), ok2), {
    argument: "counts",
    text: "add up to 2",
  });
  await t("allGatherV mismatched element types", (c) => c.allGatherV(f32(1), new Float64Array(2), ok2), {
    argument: "send and recv",
    text: "same element type",
  });
  await t("broadcast root out of range", (c) => c.broadcast(f32(2), N), { argument: "root", text: "" });
  await t("broadcast negative root", (c) => c.broadcast(f32(2), -1), { argument: "root", text: "" });
  await t("broadcast fractional root", (c) => c.broadcast(f32(2), 0.5), { argument: "root", text: "" });
  await t("broadcast buf not a typed array", (c) => c.broadcast("abc", 0), { argument: "buf", text: "" });
}
const n = (name, fn, want) => expectThrow("native", name, fn, want);
await n("allToAllV counts add up past INT_MAX", () => native.allToAllV(f32(4), [2 ** 30, 2 ** 30], f32(4), ok2), {
  argument: "sendCounts",
  text: "2147483647",
});
await n(
  "allToAllV overlapping send and recv",
  () => {
    const b = f32(8);
    return native.allToAllV(b.subarray(0, 4), ok2, b.subarray(2, 6), ok2);
  },
  { argument: "send and recv", text: "overlap" },
);
{
  const detached = f32(4);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  await n("allToAllV detached send", () => native.allToAllV(detached, [0, 0], f32(4), [0, 0]), {
    argument: "send",
    text: "detached",
  });
  await n("broadcast detached buf", () => native.broadcast(detached, 0), { argument: "buf", text: "detached" });
}
await n("allToAllV missing arguments", () => native.allToAllV(), { argument: "sendCounts", text: "" });
await n("abort with a non-number code", () => native.abort("x"), { argument: "code", text: "" });
await n("abort with a code out of range", () => native.abort(-1), { argument: "code", text: "" });
{
  // A second collective while one is in flight (MPI_THREAD_SERIALIZED): refused, not run.
  // Rank 0's first barrier cannot complete before rank 1 joins it, 500 ms later.
  if (rank === 0) {
    const first = native.barrier();
    await n("a second collective while one is in flight", () => native.barrier(), {
      argument: "barrier",
      text: "in flight",
    });
    await first;
  } else {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await native.barrier();
  }
}

// The process survived every bad call: real collectives still work.
const buf = new Float32Array(8).fill(rank + 1);
await comm.allReduceSum(buf);
const recv = new Int32Array(N);
await comm.allGatherV(Int32Array.of(rank * 7), recv, Array(N).fill(1));
const survived = buf.every((x) => x === (N * (N + 1)) / 2) && recv.every((x, s) => x === s * 7);
await comm.close();
const afterClose = [];
for (const [name, fn] of [
  ["ts barrier", () => comm.barrier()],
  ["native barrier", () => native.barrier()],
]) {
  try {
    await fn();
    afterClose.push({ name, threw: false });
  } catch (e) {
    afterClose.push({ name, threw: true, message: String(e?.message) });
  }
}
writeFileSync(join(outDir, `rank-${rank}.json`), JSON.stringify({ rank, cases, survived, afterClose }));
