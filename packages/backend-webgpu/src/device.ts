/**
 * GPU adapter and device acquisition through Dawn's `webgpu` package: one device per
 * backend, with the adapter's storage limits requested so large tables fit where the
 * hardware allows. Also the one-line "why not" when no adapter exists, and the adapter's
 * name in words (vendor, architecture, description, and the native API underneath).
 */

/** What to run when no adapter is found. */
export const INSTALL_HINT =
  "install a Vulkan driver (on a machine without a GPU: sudo bash scripts/install-webgpu-deps.sh, Mesa lavapipe from bookworm-backports)";

/** The limits the kernels and the allocator rely on, as granted to the device. */
export interface DeviceLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly minUniformBufferOffsetAlignment: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeWorkgroupStorageSize: number;
}

/** A device and what it is. */
export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly description: string;
  readonly limits: DeviceLimits;
  /** A CPU implementation (lavapipe / llvmpipe, SwiftShader) rather than a GPU. */
  readonly software: boolean;
}

let gpu: GPU | undefined;

/**
 * Dawn's GPU entry point, created once per process (it holds no device by itself). Dawn is
 * loaded on first use, so importing this package never fails where dawn.node cannot load.
 */
async function navigatorGpu(): Promise<GPU> {
  if (gpu === undefined) {
    const { create, globals } = await import("webgpu");
    Object.assign(globalThis, globals);
    gpu = create([]);
  }
  return gpu;
}

/** The native API Dawn drives on this platform. */
function nativeApi(): string {
  if (process.platform === "darwin") return "Metal";
  if (process.platform === "win32") return "D3D12";
  return "Vulkan";
}

/** "llvmpipe: Mesa 25.0.7 ... (mesa, software) via Dawn on Vulkan"; the device name is added when the description lacks it. */
export function describeAdapter(info: GPUAdapterInfo): string {
  const described = info.description || "unknown adapter";
  const name =
    info.device !== "" && !described.includes(info.device) && !/llvmpipe/.test(described)
      ? `${info.device} [${described}]`
      : described;
  const kind = [info.vendor, info.architecture].filter((s) => s !== "").join(", ");
  return `${name}${kind === "" ? "" : ` (${kind})`} via Dawn on ${nativeApi()}`;
}

/** Requests an adapter; undefined when Dawn finds none (or cannot load). */
export async function requestAdapter(): Promise<GPUAdapter | undefined> {
  const adapter = await (await navigatorGpu()).requestAdapter({ powerPreference: "high-performance" });
  return adapter ?? undefined;
}

/** Undefined when an adapter is available; otherwise one line saying why not and what to install. */
export async function adapterUnavailableReason(): Promise<string | undefined> {
  try {
    if ((await requestAdapter()) !== undefined) return undefined;
    return `no WebGPU adapter found by Dawn; ${INSTALL_HINT}`;
  } catch (e) {
    return `Dawn (npm package webgpu) could not start: ${(e as Error).message.split("\n")[0]}; ${INSTALL_HINT}`;
  }
}

/** Acquires a fresh device with the adapter's largest storage-buffer limits. */
export async function acquireDevice(): Promise<AcquiredDevice> {
  const adapter = await requestAdapter();
  if (adapter === undefined) throw new Error(`webgpu backend: no WebGPU adapter found; ${INSTALL_HINT}`);
  const a = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    },
  });
  const l = device.limits;
  const info = adapter.info;
  const software =
    info.architecture === "software" || /llvmpipe|lavapipe|swiftshader/i.test(`${info.description} ${info.device}`);
  return {
    device,
    software,
    description: describeAdapter(info),
    limits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      minUniformBufferOffsetAlignment: l.minUniformBufferOffsetAlignment,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    },
  };
}
