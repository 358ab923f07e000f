/** Conformance suite on the WebAssembly backend. */
import { wasmBackendFactory } from "@dlrm/backend-wasm";
import { describeConformance } from "./run-conformance.js";

describeConformance(wasmBackendFactory);
