/**
 * The registry entry for the native backend: `gaudiBackendFactory` ("gaudi"). It is
 * available when the addon is built; otherwise `unavailableReason()` says so in one line
 * with the command that builds it. `threads` sizes the one process-wide pool (and OpenBLAS).
 */
import type { Backend, BackendFactory, BackendOptions } from "@dlrm/core";
import { GaudiBackend } from "./gaudi-backend.js";
import { loadNative } from "./native.js";

export const gaudiBackendFactory: BackendFactory = {
  name: "gaudi",
  async unavailableReason(): Promise<string | undefined> {
    return loadNative().reason;
  },
  async create(options: BackendOptions = {}): Promise<Backend> {
    const { addon, reason } = loadNative();
    if (addon === undefined) throw new Error(`gaudi backend unavailable: ${reason}`);
    if (options.threads !== undefined) {
      if (!Number.isInteger(options.threads) || options.threads < 1) {
        throw new RangeError(`gaudi: option "threads" must be a positive integer, got ${options.threads}`);
      }
      addon.setThreads(options.threads);
    }
    const mode = options.mode ?? "eager";
    if (mode !== "eager" && mode !== "lazy")
      throw new TypeError(`gaudi: option "mode" must be "eager" or "lazy", got ${String(mode)}`);
    return new GaudiBackend(addon, mode);
  },
};
