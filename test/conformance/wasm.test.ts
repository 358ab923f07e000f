/**
 * Conformance suite on the WebAssembly backend (@dlrm/backend-wasm) against the
 * reference; skipped with its reason when it cannot start, unless CI requires it.
 */
import { wasmBackendFactory } from "@dlrm/backend-wasm";
import { describeConformance } from "./run-conformance.js";

describeConformance(wasmBackendFactory);
