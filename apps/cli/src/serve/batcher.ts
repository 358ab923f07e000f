/**
 * Dynamic batching for `dlrm serve`: requests' rows wait in one queue, which is scored when
 * it holds --max-batch rows or when its oldest request has waited --max-latency-ms; one
 * scoring call runs at a time (the model is one set of buffers), each request gets the
 * scores of its own rows in order. `drain()` resolves once nothing waits or runs.
 */
import type { CriteoRow } from "@dlrm/core";

/** Scores at most --max-batch rows: one probability per row, in order. */
export type ScoreRows = (rows: readonly CriteoRow[]) => Promise<Float32Array>;

interface Pending {
  rows: readonly CriteoRow[];
  resolve(scores: Float32Array): void;
  reject(e: unknown): void;
}

export class DynamicBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
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

  /** The probabilities of `rows`, in order, once their batch is scored. */
  submit(rows: readonly CriteoRow[]): Promise<Float32Array> {
    this.inFlight++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.length;
      if (this.queuedRows >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxLatencyMs);
    }).finally(() => this.inFlight--);
  }

  /** Resolves when every submitted request has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) {
      this.flush();
      await this.running;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Takes the whole queue and scores it after the call before it, in --max-batch pieces. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const taken = this.queue;
    if (taken.length === 0) return;
    this.queue = [];
    this.queuedRows = 0;
    this.running = this.running.then(async () => {
      const rows = taken.flatMap((p) => p.rows);
      try {
        const scores = new Float32Array(rows.length);
        for (let at = 0; at < rows.length; at += this.maxBatch) {
          scores.set(await this.score(rows.slice(at, at + this.maxBatch)), at);
          this.batches++;
        }
        let at = 0;
        for (const p of taken) {
          p.resolve(scores.slice(at, at + p.rows.length));
          at += p.rows.length;
        }
      } catch (e) {
        for (const p of taken) p.reject(e);
      }
    });
  }
}
