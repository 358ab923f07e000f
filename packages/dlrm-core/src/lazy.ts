/**
 * Lazy execution for host backends: `withLazyMode` wraps an eager backend so that ops and
 * writes are recorded in order and run together at `markStep()` (or before a `read`), as
 * Gaudi does at mark_step. Running the same closures in the same order makes eager and
 * lazy mode bit-identical by construction. Backends with a real queue (WebGPU) do their own.
 * Arguments are checked (core's `validateOp`) as each op is recorded, so a bad call throws at the
 * call in either mode; what a kernel refuses in the data (a bad index) throws at `markStep()`.
 */
import {
  FUSED_OPS,
  REQUIRED_OPS,
  type Backend,
  type FusedOpName,
  type RequiredOpName,
  type Tensor,
} from "./backend.js";
import { checkWrite, validateOp, type TensorResolver } from "./ops-spec/index.js";

/** Count of steps submitted through a lazy wrapper (tests check one submission per step). */
export interface LazyStats {
  submissions: number;
  recordedOps: number;
}

/** Every backend made by `withLazyMode` (so a checker can tell a recorded replay from a lazy engine of its own). */
const replays = new WeakSet<object>();

/**
 * Whether `backend` is a `withLazyMode` wrapper: its results are the eager backend's calls
 * replayed in the same order, so "lazy equals eager" holds for it by construction.
 */
export function isRecordedReplay(backend: Backend): boolean {
  return replays.has(backend);
}

/**
 * Returns a lazy view of `eager`: same ops, same memory, `mode` = "lazy".
 * `write` copies its data at call time so the caller may reuse its array at once. `resolve`
 * is the eager backend's tensor resolver (default: its `resolve` property) for the argument
 * checks at record time; without one, arguments are checked when the ops run.
 */
export function withLazyMode(
  eager: Backend,
  resolve = (eager as { resolve?: TensorResolver }).resolve,
): Backend & { readonly lazyStats: LazyStats } {
  const queue: (() => void)[] = [];
  const lazyStats: LazyStats = { submissions: 0, recordedOps: 0 };

  const flush = (): void => {
    if (queue.length === 0) return;
    lazyStats.submissions++;
    const work = queue.splice(0, queue.length);
    for (const run of work) run();
  };

  const wrapper: Record<string, unknown> = {
    info: eager.info,
    mode: "lazy",
    lazyStats,
    alloc: (shape: readonly number[], dtype: Tensor["dtype"], label?: string) => eager.alloc(shape, dtype, label),
    write: (t: Tensor, data: Float32Array | Int32Array, offset = 0) => {
      if (resolve !== undefined) {
        resolve(t, "write", "t");
        checkWrite(t, data, offset);
      }
      const copy = data.slice();
      queue.push(() => eager.write(t, copy, offset));
    },
    read: async (t: Tensor) => {
      flush();
      return eager.read(t);
    },
    free: (t: Tensor) => {
      flush();
      eager.free(t);
    },
    markStep: () => flush(),
    sync: async () => {
      flush();
      await eager.sync();
    },
    dispose: () => {
      queue.length = 0;
      eager.dispose();
    },
  };

  const record = (name: string): void => {
    const op = (eager as unknown as Record<string, ((args: unknown) => void) | undefined>)[name];
    if (op === undefined) return;
    wrapper[name] = (args: unknown) => {
      if (resolve !== undefined) validateOp(name as RequiredOpName | FusedOpName, args, resolve);
      lazyStats.recordedOps++;
      queue.push(() => op.call(eager, args));
    };
  };
  for (const name of REQUIRED_OPS) record(name);
  for (const name of FUSED_OPS) record(name);

  replays.add(wrapper);
  return wrapper as unknown as Backend & { readonly lazyStats: LazyStats };
}
