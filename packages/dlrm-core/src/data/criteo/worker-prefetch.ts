/**
 * Read-ahead through the batch-assembly worker: one worker_threads Worker per epoch
 * iteration assembles batches off the training loop's thread; up to `depth` requests are
 * outstanding. The worker is ref'd only while a request is pending and terminated when the
 * iteration ends (finished, broken off or failed), so it never keeps the process alive.
 */
import { Worker } from "node:worker_threads";
import type { CountedBatch } from "../../metrics/evaluate.js";

/**
 * The worker script, built to dist/ (src/ and dist/ are siblings under the package root,
 * so the same relative URL resolves from src/data/criteo/ under vitest and from dist/).
 */
const WORKER_URL = new URL("../../../dist/data/criteo/assembly-worker.js", import.meta.url);

/** What the worker is started with (shared buffers are seen, not copied). */
export interface AssemblyInit {
  /** The processed directory (the worker opens its own file handles). */
  dir: string;
  /** First dataset row of the split, its row count, and the batch size. */
  start: number;
  n: number;
  batchSize: number;
  /** The split held in memory (40 int32 a row), or undefined to read from disk. */
  rows?: SharedArrayBuffer;
  /** The shuffle permutation (uint32), or undefined for file order. */
  order?: SharedArrayBuffer;
}

/** A request for batch i of the epoch. */
export interface AssemblyRequest {
  i: number;
}

/** Batch i's arrays (buffers transferred), or the message of the error that stopped it. */
export type AssemblyReply =
  | {
      i: number;
      dense: Float32Array;
      targets: Float32Array;
      indices: Int32Array;
      offsets: Int32Array;
      count: number;
      error?: undefined;
    }
  | { i: number; error: string };

interface Pending {
  resolve(b: CountedBatch): void;
  reject(e: Error): void;
}

/**
 * Batches [from, to) of one epoch assembled by a fresh worker on `init`, in order. An error
 * in the worker rejects the iteration at its batch, with `label` (the directory) and the
 * worker's message (which names the chunk file for read errors).
 */
export async function* workerReadAhead(
  init: AssemblyInit,
  from: number,
  to: number,
  depth: number,
  label: string,
): AsyncGenerator<CountedBatch> {
  if (from >= to) return;
  const worker = new Worker(WORKER_URL, { workerData: init });
  worker.unref();
  const pending = new Map<number, Pending>();
  let failure: Error | undefined;
  const failAll = (e: Error): void => {
    failure ??= e;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    worker.unref();
  };
  worker.on("message", (m: AssemblyReply) => {
    const p = pending.get(m.i);
    if (p === undefined) return;
    pending.delete(m.i);
    if (pending.size === 0) worker.unref();
    if (m.error !== undefined) p.reject(new Error(`${label}: batch ${m.i}: ${m.error}`));
    else {
      const b: CountedBatch = {
        dense: m.dense,
        sparse: { indices: m.indices, offsets: m.offsets },
        targets: m.targets,
      };
      if (m.count < init.batchSize) b.count = m.count;
      p.resolve(b);
    }
  });
  worker.on("error", (e: Error) => failAll(new Error(`${label}: batch assembly worker failed: ${e.message}`)));
  worker.on("exit", (code: number) => failAll(new Error(`${label}: batch assembly worker exited with code ${code}`)));
  const request = (i: number): Promise<CountedBatch> => {
    if (failure !== undefined) return Promise.reject(failure);
    const p = new Promise<CountedBatch>((resolve, reject) => pending.set(i, { resolve, reject }));
    p.catch(() => undefined);
    worker.ref();
    const msg: AssemblyRequest = { i };
    worker.postMessage(msg);
    return p;
  };
  const queue: Promise<CountedBatch>[] = [];
  let next = from;
  const fill = (): void => {
    while (queue.length < depth && next < to) queue.push(request(next++));
  };
  try {
    fill();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      fill();
      yield batch;
    }
  } finally {
    worker.removeAllListeners();
    worker.on("error", () => undefined);
    for (const p of pending.values()) p.reject(new Error(`${label}: the batch iteration was closed`));
    pending.clear();
    await worker.terminate();
  }
}
