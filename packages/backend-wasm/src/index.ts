/**
 * Public surface of @dlrm/backend-wasm: the factory registered as "wasm", the backend
 * class (for benchmarks: `gemmNaive`, memory figures), and the pieces tests reach for.
 */
export { wasmBackendFactory, defaultThreads } from "./factory.js";
export { WasmBackend } from "./backend.js";
export { Arena, ALIGN } from "./arena.js";
export { PARALLEL_MIN_MACS, bands } from "./gemm-pool.js";
export { createMemory, instantiate, loadModule, MAX_PAGES, PAGE_BYTES } from "./loader.js";
