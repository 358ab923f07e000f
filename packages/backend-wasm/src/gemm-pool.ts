/**
 * Runs GEMM-shaped kernels on the calling thread plus worker threads that share the linear
 * memory. The output C is split into disjoint row or column bands, one per thread (the K
 * reduction is never split, so results are bit-identical for any thread count). Small
 * products run on the calling thread alone. Workers are unref'd and terminated by dispose().
 */
import { Worker } from "node:worker_threads";
import {
  ALPHA,
  ARGS,
  BETA,
  DONE,
  ERROR,
  OP,
  OP_GEMM,
  OP_LINEAR,
  OP_QUIT,
  SEQ,
  SLOTS,
  type WorkerInit,
} from "./control.js";

/** The worker script, built to dist/ (src/ and dist/ are siblings under the package root). */
const WORKER_URL = new URL("../dist/gemm-worker.js", import.meta.url);

/**
 * Below this many multiply-adds (M*N*K) a product runs on the caller alone: waking a worker
 * and sharing a busy 2-core machine cost more than the work saved.
 */
export const PARALLEL_MIN_MACS = 1 << 22;

/** How long a caller waits for a worker's band before giving up (a dead worker never answers). */
const JOIN_TIMEOUT_MS = 10 * 60 * 1000;

/** Band boundaries are multiples of this (the micro-tile width) so tiles stay whole. */
const BAND_ALIGN = 8;

/** One GEMM-shaped call: the kernel's i32 arguments before the range, and those after it. */
export interface GemmJob {
  op: typeof OP_GEMM | typeof OP_LINEAR;
  m: number;
  n: number;
  k: number;
  /** Runs rows [i0, i1) x columns [j0, j1) on this thread with the given scratch. */
  runLocal(i0: number, i1: number, j0: number, j1: number, scratch: number): void;
  /** Writes the arguments of rows [i0, i1) x columns [j0, j1) into a worker's control block. */
  encode(ctl: Int32Array, ctlF32: Float32Array, i0: number, i1: number, j0: number, j1: number, scratch: number): void;
}

interface PoolWorker {
  worker: Worker;
  ctl: Int32Array;
  ctlF32: Float32Array;
  scratch: number;
}

/** Splits [0, total) into `parts` bands aligned to BAND_ALIGN (some may be empty). */
export function bands(total: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 1; p <= parts; p++) {
    const end = p === parts ? total : Math.min(total, Math.round((total * p) / parts / BAND_ALIGN) * BAND_ALIGN);
    out.push([start, Math.max(start, end)]);
    start = Math.max(start, end);
  }
  return out;
}

export class GemmPool {
  private readonly workers: PoolWorker[] = [];

  private constructor(private readonly mainScratch: number) {}

  /**
   * Starts `threads - 1` workers on `module` and `memory`; `scratch(i)` gives thread i's
   * scratch offset (thread 0 is the caller). Resolves when every worker is listening.
   */
  static async start(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    threads: number,
    scratch: (thread: number) => number,
  ): Promise<GemmPool> {
    const pool = new GemmPool(scratch(0));
    const ready: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) {
      const control = new SharedArrayBuffer(SLOTS * 4);
      const ctl = new Int32Array(control);
      ctl[DONE] = -1;
      const init: WorkerInit = { module, memory, control };
      const worker = new Worker(WORKER_URL, { workerData: init });
      pool.workers.push({ worker, ctl, ctlF32: new Float32Array(control), scratch: scratch(t) });
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once("error", reject);
          worker.once("online", () => {
            const wait = (): void => {
              if (Atomics.load(ctl, DONE) === 0) {
                worker.unref();
                resolve();
              } else setTimeout(wait, 1);
            };
            wait();
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      pool.dispose();
      throw error;
    }
    return pool;
  }

  /** Threads a call may use: the caller plus the workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs `job` over all of C, in bands across threads when it is big enough. */
  run(job: GemmJob): void {
    const { m, n, k } = job;
    const parts = this.threads;
    if (parts === 1 || m * n * k < PARALLEL_MIN_MACS || Math.max(m, n) < 2 * BAND_ALIGN) {
      job.runLocal(0, m, 0, n, this.mainScratch);
      return;
    }
    const byRows = m >= n;
    const split = bands(byRows ? m : n, parts);
    const started: PoolWorker[] = [];
    for (let w = 0; w < this.workers.length; w++) {
      const [lo, hi] = split[w + 1]!;
      if (lo >= hi) continue;
      const pw = this.workers[w]!;
      if (byRows) job.encode(pw.ctl, pw.ctlF32, lo, hi, 0, n, pw.scratch);
      else job.encode(pw.ctl, pw.ctlF32, 0, m, lo, hi, pw.scratch);
      pw.ctl[OP] = job.op;
      Atomics.add(pw.ctl, SEQ, 1);
      Atomics.notify(pw.ctl, SEQ);
      started.push(pw);
    }
    const [lo, hi] = split[0]!;
    try {
      if (byRows) job.runLocal(lo, hi, 0, n, this.mainScratch);
      else job.runLocal(0, m, lo, hi, this.mainScratch);
    } finally {
      this.join(started);
    }
  }

  /** Blocks until every started worker has stored its sequence number into DONE. */
  private join(started: readonly PoolWorker[]): void {
    let failed = false;
    const deadline = Date.now() + JOIN_TIMEOUT_MS;
    for (const pw of started) {
      const seq = Atomics.load(pw.ctl, SEQ);
      for (;;) {
        const done = Atomics.load(pw.ctl, DONE);
        if (done === seq) break;
        if (Date.now() > deadline) throw new Error("wasm backend: a GEMM worker thread stopped answering");
        Atomics.wait(pw.ctl, DONE, done, 1000);
      }
      if (pw.ctl[ERROR] !== 0) failed = true;
    }
    if (failed) throw new Error("wasm backend: a GEMM worker thread trapped");
  }

  /** Tells every worker to quit and terminates it; the process may exit afterwards. */
  dispose(): void {
    for (const pw of this.workers) {
      pw.ctl[OP] = OP_QUIT;
      Atomics.add(pw.ctl, SEQ, 1);
      Atomics.notify(pw.ctl, SEQ);
      void pw.worker.terminate();
    }
    this.workers.length = 0;
  }
}

/** Encodes `args` (kernel order, i32) and alpha/beta into a control block. */
export function encodeArgs(ctl: Int32Array, ctlF32: Float32Array, args: readonly number[], alpha = 0, beta = 0): void {
  for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i]! | 0;
  ctlF32[ALPHA] = alpha;
  ctlF32[BETA] = beta;
}
