/**
 * Public surface of @dlrm/backend-webgpu: the factory registered as "webgpu", the backend
 * class (benchmarks reach for `gemmVariant` and `stats`), the GEMM variants and the device
 * helpers tests use.
 */
export { webgpuBackendFactory } from "./factory.js";
export { WebGpuBackend, type WebGpuOptions } from "./backend.js";
export { GEMM_VARIANTS, type GemmVariant } from "./kernels/gemm.js";
export { adapterUnavailableReason, INSTALL_HINT, type DeviceLimits } from "./device.js";
export type { RecorderStats } from "./recorder.js";
