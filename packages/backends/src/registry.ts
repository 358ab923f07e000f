/**
 * The backend registry: every DLRM backend this build knows, in preference order
 * (fastest first, the reference oracle last). A new backend joins by adding one line.
 * `auto` selection walks this list and takes the first that can start here.
 */
import { referenceBackendFactory, type BackendFactory } from "@dlrm/core";
import { gaudiBackendFactory } from "@dlrm/backend-gaudi";
import { wasmBackendFactory } from "@dlrm/backend-wasm";
import { webgpuBackendFactory } from "@dlrm/backend-webgpu";

/**
 * Registered backends, most preferred first: the native addon when it is built, then wasm
 * (runs anywhere Node runs). WebGPU comes after wasm: on a machine without a GPU its adapter
 * is lavapipe (a CPU driver, for correctness); ask for it by name on a GPU.
 */
export const BACKENDS: readonly BackendFactory[] = [
  gaudiBackendFactory,
  wasmBackendFactory,
  webgpuBackendFactory,
  referenceBackendFactory,
];

/** The registered names, in preference order. */
export function backendNames(registry: readonly BackendFactory[] = BACKENDS): string[] {
  return registry.map((f) => f.name);
}
