/** PyTorch parity on the WebAssembly backend. */
import { wasmBackendFactory } from "@dlrm/backend-wasm";
import { describeTorchParity } from "./describe-parity.js";

await describeTorchParity(wasmBackendFactory);
