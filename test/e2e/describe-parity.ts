/**
 * Registers the PyTorch parity tests for one backend: every fixture, eager and lazy,
 * losses within 1e-5 relative per step and final weights within 1e-3 absolute.
 * A backend that cannot start here is skipped with its reason, unless DLRM_REQUIRED_BACKENDS names it.
 */
import { describe, expect, it } from "vitest";
import type { BackendFactory } from "@dlrm/core";
import { PARITY_FIXTURES, runTorchParity } from "./torch-parity.js";

const required = (process.env["DLRM_REQUIRED_BACKENDS"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);

export async function describeTorchParity(factory: BackendFactory): Promise<void> {
  const reason = await factory.unavailableReason();
  if (reason !== undefined && !required.includes(factory.name)) {
    describe.skip(`PyTorch parity on ${factory.name}: skipped, ${reason}`, () => {
      it("cannot start here", () => undefined);
    });
    return;
  }
  describe(`PyTorch parity on ${factory.name}`, () => {
    if (reason !== undefined) {
      it("backend must start (listed in DLRM_REQUIRED_BACKENDS)", () => {
        throw new Error(`${factory.name} is required here but cannot start: ${reason}`);
      });
      return;
    }
    for (const fixture of PARITY_FIXTURES) {
      for (const mode of ["eager", "lazy"] as const) {
        it(`${fixture} (${mode}): every step's loss within 1e-5 relative, final weights within 1e-3`, async () => {
          const r = await runTorchParity(factory, fixture, mode);
          expect(r.losses).toHaveLength(r.expectedLosses.length);
          expect(r.maxLossRelError).toBeLessThan(1e-5);
          expect(r.maxWeightAbsError, `worst: ${r.worstWeight}`).toBeLessThan(1e-3);
        });
      }
    }
  });
}
