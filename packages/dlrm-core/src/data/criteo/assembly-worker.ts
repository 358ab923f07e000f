/**
 * The batch-assembly worker (a worker_threads script, run from dist/): opens the processed
 * directory with its own file handles (or sees the in-memory split through shared memory),
 * and for each request { i } gathers batch i's rows, assembles the Batch's typed arrays and
 * transfers their buffers back. Requests are answered in arrival order; a failure is a reply.
 */
import { parentPort, workerData } from "node:worker_threads";
import { assembleBatch } from "./batch-assembly.js";
import { gatherBatchRows } from "./batch-rows.js";
import { ProcessedDataset } from "./processed-dataset.js";
import type { AssemblyInit, AssemblyReply, AssemblyRequest } from "./worker-prefetch.js";

const init = workerData as AssemblyInit;
let dataset: ProcessedDataset | undefined;

/** The dataset, opened on first use so an open failure is the reply to a request. */
const open = (): ProcessedDataset => (dataset ??= ProcessedDataset.open(init.dir));

const split = {
  start: init.start,
  n: init.n,
  batchSize: init.batchSize,
  inMemory: init.rows === undefined ? undefined : new Int32Array(init.rows),
  order: init.order === undefined ? undefined : new Uint32Array(init.order),
  readSync: (start: number, count: number, out: Int32Array, at: number): void => open().readSync(start, count, out, at),
};

parentPort!.on("message", (m: AssemblyRequest) => {
  try {
    const { rows, count } = gatherBatchRows(split, m.i);
    const b = assembleBatch(rows, init.batchSize, count);
    const reply: AssemblyReply = {
      i: m.i,
      dense: b.dense,
      targets: b.targets,
      indices: b.sparse.indices,
      offsets: b.sparse.offsets,
      count,
    };
    const buffers = [
      b.dense.buffer,
      b.targets.buffer,
      b.sparse.indices.buffer,
      b.sparse.offsets.buffer,
    ] as ArrayBuffer[];
    parentPort!.postMessage(reply, buffers);
  } catch (e) {
    const reply: AssemblyReply = { i: m.i, error: e instanceof Error ? e.message : String(e) };
    parentPort!.postMessage(reply);
  }
});
