/**
 * Dynamic batching for `dlrm serve`: requests' rows wait in one queue; every --max-batch of
 * them (a request may span batches) is scored at once, and the rest at the latest
 * --max-latency-ms after the oldest waiting request arrived. One scoring call runs at a time
 * (the model is one set of buffers); each request gets the scores of its own rows in order.
 * `drain()` scores what waits and resolves once every request is answered.
 */
import type { CriteoRow } from "@dlrm/core";

/** Scores at most --max-batch rows: one probability per row, in order. */
export type ScoreRows = (rows: readonly CriteoRow[]) => Promise<Float32Array>;

interface Pending {
  rows: readonly CriteoRow[];
  /** Rows handed to a batch so far, and rows scored. */
  taken: number;
  scored: number;
  scores: Float32Array;
  failed: boolean;
  resolve(scores: Float32Array): void;
  reject(e: unknown): void;
}

/** A run of one request's rows inside a model batch. */
interface Piece {
  p: Pending;
  from: number;
  n: number;
}

export class DynamicBatcher {
  private queue: Pending[] = [];
  /** Rows waiting for a batch (not yet handed to one). */
  queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** Model batches scored so far. */
  batches = 0;

  constructor(
    private readonly score: ScoreRows,
    private readonly maxBatch: number,
    private readonly maxLatencyMs: number,
  ) {}

  /** The probabilities of `rows`, in order, once the batches holding them are scored. */
  submit(rows: readonly CriteoRow[]): Promise<Float32Array> {
    this.inFlight++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({
        rows,
        taken: 0,
        scored: 0,
        scores: new Float32Array(rows.length),
        failed: false,
        resolve,
        reject,
      });
      this.queuedRows += rows.length;
      this.flush(false);
    }).finally(() => this.inFlight--);
  }

  /** Runs `fn` between two scoring calls (none runs meanwhile), e.g. to swap the model. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const done = this.running.then(fn);
    this.running = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Resolves when every submitted request has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) {
      this.flush(true);
      await this.running;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Starts a batch for every --max-batch queued rows (and for the rest too when `all`); times the rest. */
  private flush(all: boolean): void {
    while (this.queuedRows >= this.maxBatch || (all && this.queuedRows > 0)) this.startBatch();
    if (this.queuedRows === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush(true);
      }, this.maxLatencyMs);
  }

  /** Takes up to --max-batch rows off the queue front and scores them after the batch before. */
  private startBatch(): void {
    const pieces: Piece[] = [];
    let need = this.maxBatch;
    while (need > 0 && this.queue.length > 0) {
      const p = this.queue[0]!;
      const n = Math.min(need, p.rows.length - p.taken);
      pieces.push({ p, from: p.taken, n });
      p.taken += n;
      need -= n;
      this.queuedRows -= n;
      if (p.taken === p.rows.length) this.queue.shift();
    }
    this.running = this.running.then(async () => {
      const rows = pieces.flatMap(({ p, from, n }) => p.rows.slice(from, from + n));
      try {
        const scores = await this.score(rows);
        this.batches++;
        let at = 0;
        for (const { p, from, n } of pieces) {
          p.scores.set(scores.subarray(at, at + n), from);
          at += n;
          p.scored += n;
          if (p.scored === p.rows.length && !p.failed) p.resolve(p.scores);
        }
      } catch (e) {
        for (const { p } of pieces) {
          if (!p.failed) p.reject(e);
          p.failed = true;
        }
      }
    });
  }
}
