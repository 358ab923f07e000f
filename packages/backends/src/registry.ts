/**
 * The backend registry: every DLRM backend this build knows, in preference order
 * (fastest first, the reference oracle last). A new backend joins by adding one line.
 * `auto` selection walks this list and takes the first that can start here.
 */
import { referenceBackendFactory, type BackendFactory } from "@dlrm/core";
import { wasmBackendFactory } from "@dlrm/backend-wasm";

/** Registered backends, most preferred first. */
export const BACKENDS: readonly BackendFactory[] = [wasmBackendFactory, referenceBackendFactory];

/** The registered names, in preference order. */
export function backendNames(registry: readonly BackendFactory[] = BACKENDS): string[] {
  return registry.map((f) => f.name);
}
