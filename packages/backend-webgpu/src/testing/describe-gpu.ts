/**
 * Test helper: registers a describe block that needs a WebGPU adapter. Without one it is
 * skipped with the one-line reason, unless DLRM_REQUIRED_BACKENDS names "webgpu" (CI), where
 * a failing test says the backend is required. Same pattern as test/e2e/describe-parity.ts.
 */
import { describe, it } from "vitest";
import { adapterUnavailableReason } from "../device.js";

const required = (process.env["DLRM_REQUIRED_BACKENDS"] ?? "").split(",").map((s) => s.trim()).includes("webgpu");

/** `describe(name, body)` when an adapter exists; a skip with the reason, or a failure in CI, otherwise. */
export async function describeGpu(name: string, body: () => void): Promise<void> {
  const reason = await adapterUnavailableReason();
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  if (!required) {
    describe.skip(`${name}: skipped, ${reason}`, () => {
      it("cannot start here", () => undefined);
    });
    return;
  }
  describe(name, () => {
    it("webgpu must start (listed in DLRM_REQUIRED_BACKENDS)", () => {
      throw new Error(`webgpu is required here but cannot start: ${reason}`);
    });
  });
}
