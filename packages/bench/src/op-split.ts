/**
 * The time split of an eager training step by op category (GEMM, embedding, interaction,
 * optimizer, data, other), the same way on every backend: the op calls of one step are
 * recorded through a Proxy around the Backend (recorded, not executed), then replayed on the
 * real backend one at a time with `await backend.sync()` after each; medians per op, summed
 * per category. The data category is the upload (host preprocessing + writes) timed as a whole.
 */
import { BatchUploader, type Backend, type Batch, type DlrmModel } from "@dlrm/core";
import { median } from "./report.js";
import type { OpCategory, OpSplit } from "./types.js";

/** Categories in report order. */
export const OP_CATEGORIES: readonly OpCategory[] = ["gemm", "embedding", "interaction", "optimizer", "data", "other"];

/** One recorded op call: the contract name and its argument object. */
export interface RecordedOp {
  op: string;
  args: unknown;
}

/** Backend members that are memory or control calls, passed through even while recording. */
const PASS_THROUGH = new Set(["alloc", "write", "read", "free", "markStep", "sync", "dispose"]);

/** The category of a contract op name. */
export function opCategory(op: string): OpCategory {
  if (op === "gemm" || op === "linearForward") return "gemm";
  if (op.startsWith("embeddingBags") || /^sparse\w*Step$/.test(op)) return "embedding";
  if (op.startsWith("interaction") || op.startsWith("cross")) return "interaction";
  if (op === "adagradStep" || op === "fusedAdagradStep" || op === "sgdStep") return "optimizer";
  if (op === "upload") return "data";
  return "other";
}

/** A Backend proxy that records op calls instead of running them while `recording` is set. */
export interface Recorder {
  backend: Backend;
  recording: boolean;
  readonly ops: RecordedOp[];
}

/**
 * Wraps `target`: memory/control calls and non-function members pass through (methods bound to
 * `target`, so its own internal calls bypass the proxy); op calls are recorded while recording.
 */
export function recordingBackend(target: Backend): Recorder {
  const recorder: Recorder = { backend: target, recording: false, ops: [] };
  recorder.backend = new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver);
      if (typeof value !== "function") return value;
      const fn = value as (...a: unknown[]) => unknown;
      if (typeof prop !== "string" || PASS_THROUGH.has(prop)) return fn.bind(t);
      return (args: unknown): unknown => {
        if (!recorder.recording) return fn.call(t, args);
        recorder.ops.push({ op: prop, args });
        return undefined;
      };
    },
  });
  return recorder;
}

/**
 * The op calls of one training step (forward, then backward and updates at `lr`) of `model`,
 * recorded without running them. `model` is untouched: its methods run on a view of it whose
 * `backend` is the recorder (the model reaches its backend only through `this.backend`).
 */
export function recordStep(model: DlrmModel, lr: number): RecordedOp[] {
  const recorder = recordingBackend(model.backend);
  const view = Object.create(model, { backend: { value: recorder.backend } }) as DlrmModel;
  recorder.recording = true;
  view.forward();
  view.backwardAndUpdate(lr);
  recorder.recording = false;
  return recorder.ops;
}

/** Sums per-op medians into categories; `stepMs` is the measured step median it is set beside. */
export function summarizeSplit(perOp: readonly { op: string; ms: number }[], stepMs: number, repeats: number): OpSplit {
  const byOp = new Map<string, { calls: number; ms: number }>();
  for (const { op, ms } of perOp) {
    const e = byOp.get(op) ?? { calls: 0, ms: 0 };
    byOp.set(op, { calls: e.calls + 1, ms: e.ms + ms });
  }
  const totalMs = perOp.reduce((a, x) => a + x.ms, 0);
  const categories = OP_CATEGORIES.map((category) => {
    const ops = [...byOp].filter(([op]) => opCategory(op) === category);
    const ms = ops.reduce((a, [, e]) => a + e.ms, 0);
    return { category, ms, calls: ops.reduce((a, [, e]) => a + e.calls, 0), share: totalMs > 0 ? ms / totalMs : 0 };
  });
  return {
    categories,
    totalMs,
    stepMs,
    repeats,
    ops: [...byOp].map(([op, e]) => ({ op, category: opCategory(op), calls: e.calls, ms: e.ms })),
  };
}

/** How often the recorded step is replayed: unmeasured warm-up replays, then measured ones. */
export interface SplitRepeats {
  warmup: number;
  repeats: number;
}

/**
 * Records one step of `model` (eager backend) and replays it `repeats` times after `warmup`
 * replays: the upload of `batch` as a whole, then each op alone, each followed by a sync and
 * timed with performance.now(). Mutates the model's weights (run it after the step timing).
 */
export async function measureOpSplit(
  model: DlrmModel,
  batch: Batch,
  lr: number,
  stepMs: number,
  r: SplitRepeats,
): Promise<OpSplit> {
  const be = model.backend;
  if (be.mode !== "eager") throw new Error(`op split: needs an eager backend, got ${be.mode}`);
  const uploader = new BatchUploader(be, model);
  uploader.upload(batch);
  await be.sync();
  const ops = recordStep(model, lr);
  const calls: { op: string; run(): void }[] = [
    { op: "upload", run: () => uploader.upload(batch) },
    ...ops.map((o) => ({
      op: o.op,
      run: () => (be as unknown as Record<string, (a: unknown) => void>)[o.op]!(o.args),
    })),
  ];
  const samples = calls.map(() => [] as number[]);
  for (let rep = 0; rep < r.warmup + r.repeats; rep++) {
    for (let i = 0; i < calls.length; i++) {
      const t0 = performance.now();
      calls[i]!.run();
      await be.sync();
      if (rep >= r.warmup) samples[i]!.push(performance.now() - t0);
    }
  }
  return summarizeSplit(
    calls.map((c, i) => ({ op: c.op, ms: median(samples[i]!) })),
    stepMs,
    r.repeats,
  );
}
