/**
 * Loads build/dlrm.wasm (compiled once per process) and instantiates it on an imported
 * shared WebAssembly.Memory. The same Module and Memory are handed to worker threads, so
 * every thread runs the same kernels on the same linear memory.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Kernels } from "./kernels.js";
import "./wasm-types.js";

/** The built module; src/ and dist/ both sit one level below the package root. */
export const WASM_URL = new URL("../build/dlrm.wasm", import.meta.url);

/** 64 KiB wasm pages; 65536 pages = 4 GiB, the wasm32 limit and the module's declared maximum. */
export const PAGE_BYTES = 65536;
export const MAX_PAGES = 65536;

let compiled: Promise<WebAssembly.Module> | undefined;

/** Whether the .wasm has been built. */
export function wasmBuilt(): boolean {
  return existsSync(fileURLToPath(WASM_URL));
}

/** Compiles build/dlrm.wasm once; later calls share the Module. */
export function loadModule(): Promise<WebAssembly.Module> {
  compiled ??= readFile(WASM_URL).then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

/** A shared memory of `initialPages` pages that may grow to 4 GiB. */
export function createMemory(initialPages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
}

/** Instantiates the module on `memory` (synchronous: the Module is already compiled). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as Kernels;
}
