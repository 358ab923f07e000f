/**
 * Registers the PyTorch parity tests for one backend: every fixture, eager and lazy,
 * losses within 1e-5 relative per step and final weights within 1e-3 absolute.
 * A backend that cannot start here is skipped with its reason, unless DLRM_REQUIRED_BACKENDS names it.
 */
import { expect, it } from "vitest";
import { describeBackend } from "@dlrm/conformance/vitest";
import type { BackendFactory } from "@dlrm/core";
import { PARITY_FIXTURES, runTorchParity } from "./torch-parity.js";

export async function describeTorchParity(factory: BackendFactory): Promise<void> {
  describeBackend(factory.name, await factory.unavailableReason(), `PyTorch parity on ${factory.name}`, () => {
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
