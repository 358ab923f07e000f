/** PyTorch parity on the WebGPU backend (eager and lazy: one command buffer per step). */
import { webgpuBackendFactory } from "@dlrm/backend-webgpu";
import { describeTorchParity } from "./describe-parity.js";

await describeTorchParity(webgpuBackendFactory);
