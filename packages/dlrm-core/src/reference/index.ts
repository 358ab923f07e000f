/**
 * The reference backend's public surface: the eager `ReferenceBackend` class and the
 * registry entry `referenceBackendFactory` (always available; lazy mode through
 * `withLazyMode`, so eager and lazy runs are bit-identical by construction).
 */
import type { Backend, BackendFactory, BackendOptions } from "../backend.js";
import { withLazyMode } from "../lazy.js";
import { ReferenceBackend } from "./reference-backend.js";

export { ReferenceBackend } from "./reference-backend.js";

/** Factory for the reference backend: "reference", available everywhere, eager or lazy. */
export const referenceBackendFactory: BackendFactory = {
  name: "reference",
  async unavailableReason(): Promise<string | undefined> {
    return undefined;
  },
  async create(options: BackendOptions = {}): Promise<Backend> {
    const eager = new ReferenceBackend();
    return options.mode === "lazy" ? withLazyMode(eager, eager.resolve) : eager;
  },
};
