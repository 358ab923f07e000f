/**
 * A pool of raw-line conversion workers (convert-worker.ts): pieces go round-robin to
 * `threads` workers, and each answer resolves its piece's promise. With 0 threads the
 * pieces are converted on the calling thread. The workers never keep the process alive,
 * and a worker that dies fails every piece it still holds.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { convertPiece, type PieceJob, type PieceOutput } from "./convert-piece.js";

/** The worker script, built to dist/ (src/ and dist/ are siblings, as for the batch-assembly worker). */
const WORKER_URL = new URL("../../../dist/data/criteo/convert-worker.js", import.meta.url);

export interface PieceRequest {
  id: number;
  job: PieceJob;
}

export type PieceReply =
  { id: number; out: PieceOutput; error?: undefined } | { id: number; out?: undefined; error: string };

interface Pending {
  resolve(o: PieceOutput): void;
  reject(e: Error): void;
}

/** Worker threads for preprocessing by default: one per CPU the process may use. */
export const defaultConvertThreads = (): number => availableParallelism();

export class ConvertPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: Error | undefined;

  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 0)
      throw new RangeError(`--threads must be an integer >= 0, got ${threads}`);
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER_URL);
      w.unref();
      w.on("message", (m: PieceReply) => this.answer(m));
      w.on("error", (e: Error) => this.failAll(new Error(`preprocessing worker failed: ${e.message}`)));
      w.on("exit", (code: number) => this.failAll(new Error(`preprocessing worker exited with code ${code}`)));
      this.workers.push(w);
    }
  }

  /** Converts a piece; its bytes' buffer is transferred to the worker (do not reuse it). */
  convert(job: PieceJob): Promise<PieceOutput> {
    if (this.workers.length === 0) {
      try {
        return Promise.resolve(convertPiece(job));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.next++;
    const w = this.workers[id % this.workers.length]!;
    const p = new Promise<PieceOutput>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    p.catch(() => undefined);
    w.ref();
    const msg: PieceRequest = { id, job };
    w.postMessage(msg, [job.bytes.buffer as ArrayBuffer]);
    return p;
  }

  private answer(m: PieceReply): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
    if (m.out !== undefined) p.resolve(m.out);
    else p.reject(new Error(m.error));
  }

  private failAll(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Stops the workers; pieces still pending are rejected. */
  async close(): Promise<void> {
    for (const w of this.workers) {
      w.removeAllListeners();
      w.on("error", () => undefined);
    }
    this.failAll(new Error("the preprocessing worker pool was closed"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
