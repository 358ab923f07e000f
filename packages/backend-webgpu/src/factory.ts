/**
 * `webgpuBackendFactory`, the registry entry "webgpu": says in one line why the backend
 * cannot start (no adapter: what to install) and creates it eager or lazy (lazy mode is
 * native here: one command buffer per step, not core's host-side wrapper).
 */
import type { Backend, BackendFactory, BackendOptions } from "@dlrm/core";
import { WebGpuBackend } from "./backend.js";
import { adapterUnavailableReason } from "./device.js";

export const webgpuBackendFactory: BackendFactory = {
  name: "webgpu",

  unavailableReason(): Promise<string | undefined> {
    return adapterUnavailableReason();
  },

  async create(options: BackendOptions = {}): Promise<Backend> {
    const mode = options.mode ?? "eager";
    if (mode !== "eager" && mode !== "lazy") throw new RangeError(`webgpu backend: unknown mode '${String(mode)}'`);
    return WebGpuBackend.create(mode);
  },
};
