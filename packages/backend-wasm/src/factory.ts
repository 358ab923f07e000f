/**
 * `wasmBackendFactory`, the registry entry "wasm": says why the backend cannot start
 * (no WebAssembly SIMD, no shared memory, module not built) and creates it eager, or lazy
 * through core's `withLazyMode`. Threads default to min(2, available cores).
 */
import { availableParallelism } from "node:os";
import { withLazyMode, type Backend, type BackendFactory, type BackendOptions } from "@dlrm/core";
import { WasmBackend } from "./backend.js";
import { wasmBuilt } from "./loader.js";

/** A minimal module using one v128 instruction: validates only where SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** The most threads a backend will use (GEMM bands stop paying well before this). */
const MAX_THREADS = 16;

/** The default thread count: the cores this process may use, at most 2. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

function threadCount(options: BackendOptions): number {
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`wasm backend: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  }
  return threads;
}

export const wasmBackendFactory: BackendFactory = {
  name: "wasm",

  async unavailableReason(): Promise<string | undefined> {
    if (typeof WebAssembly !== "object" || !WebAssembly.validate(SIMD_PROBE)) {
      return "WebAssembly SIMD is not available in this runtime; use Node 20 or newer";
    }
    if (typeof SharedArrayBuffer !== "function")
      return "SharedArrayBuffer is not available in this runtime; use Node 20 or newer";
    if (!wasmBuilt()) return "build/dlrm.wasm is missing; run `npm run build -w @dlrm/backend-wasm`";
    return undefined;
  },

  async create(options: BackendOptions = {}): Promise<Backend> {
    const mode = options.mode ?? "eager";
    if (mode !== "eager" && mode !== "lazy") throw new RangeError(`wasm backend: unknown mode '${String(mode)}'`);
    const eager = await WasmBackend.create(threadCount(options));
    return mode === "lazy" ? withLazyMode(eager, eager.resolve) : eager;
  },
};
