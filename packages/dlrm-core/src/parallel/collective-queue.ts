/**
 * The collectives of one rank's step, run one after another in the order they are started
 * (every rank starts them in the same order, so a multi-phase all-reduce can never interleave
 * differently on two ranks) while the step computes on. Counts bytes sent to other ranks,
 * the time each collective ran and the time the step waited for it: their ratio is the
 * overlap of communication with compute.
 */
import type { Communicator } from "../comm/communicator.js";

/** Per kind, summed since the last `takeCounters`: bytes sent to other ranks, ms waited, ms running. */
export interface CommCounters {
  /** The all-to-all of indices to their owners (before the step's forward). */
  indexMs: number;
  indexBytes: number;
  indexBusyMs: number;
  allToAllMs: number;
  allToAllBytes: number;
  allToAllBusyMs: number;
  allReduceMs: number;
  allReduceBytes: number;
  allReduceBusyMs: number;
}

export type CollectiveKind = "index" | "allToAll" | "allReduce";

/** A started collective (wrapped: an async function would await a returned promise). */
export interface Flight {
  kind: CollectiveKind;
  done: Promise<void>;
}

export const zeroCounters = (): CommCounters => ({
  indexMs: 0,
  indexBytes: 0,
  indexBusyMs: 0,
  allToAllMs: 0,
  allToAllBytes: 0,
  allToAllBusyMs: 0,
  allReduceMs: 0,
  allReduceBytes: 0,
  allReduceBusyMs: 0,
});

/** Fraction of collective time hidden behind compute: 1 - waited / running (0 when nothing ran). */
export function overlapFraction(c: CommCounters): number {
  const busy = c.indexBusyMs + c.allToAllBusyMs + c.allReduceBusyMs;
  if (busy <= 0) return 0;
  return Math.min(1, Math.max(0, 1 - (c.indexMs + c.allToAllMs + c.allReduceMs) / busy));
}

export class CollectiveQueue {
  private tail: Promise<void> = Promise.resolve();
  private counters = zeroCounters();

  constructor(readonly comm: Communicator) {}

  /** Counters since the previous call (then zeroed). */
  takeCounters(): CommCounters {
    const c = this.counters;
    this.counters = zeroCounters();
    return c;
  }

  /**
   * Queues `run` after every collective started before it and yields once, so the
   * transport has begun it before the caller computes on.
   */
  async start(kind: CollectiveKind, bytes: number, run: () => Promise<void>): Promise<Flight> {
    this.counters[`${kind}Bytes`] += bytes;
    const done = this.tail.then(async () => {
      const t0 = performance.now();
      try {
        await run();
      } finally {
        this.counters[`${kind}BusyMs`] += performance.now() - t0;
      }
    });
    this.tail = done.catch(() => undefined);
    done.catch(() => undefined);
    await new Promise<void>((resolve) => setImmediate(resolve));
    return { kind, done };
  }

  /** Adds bytes sent to a kind's count (for a collective whose size is known only once it ran). */
  addBytes(kind: CollectiveKind, bytes: number): void {
    this.counters[`${kind}Bytes`] += bytes;
  }

  /** Waits for a started collective, counting the time the step is held up by it. */
  async wait(flight: Flight): Promise<void> {
    const t0 = performance.now();
    await flight.done;
    this.counters[`${flight.kind}Ms`] += performance.now() - t0;
  }
}
