/**
 * Test helper: registers a describe block that needs a WebGPU adapter. Without one it is
 * skipped with the one-line reason, unless DLRM_REQUIRED_BACKENDS names "webgpu" (CI), where
 * a failing test says the backend is required. Same pattern as test/e2e/describe-parity.ts.
 */
import { describeBackend } from "@dlrm/conformance/vitest";
import { adapterUnavailableReason } from "../device.js";

/** `describe(name, body)` when an adapter exists; a skip with the reason, or a failure in CI, otherwise. */
export async function describeGpu(name: string, body: () => void): Promise<void> {
  describeBackend("webgpu", await adapterUnavailableReason(), name, body);
}
