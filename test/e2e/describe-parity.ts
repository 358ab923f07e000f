/**
 * Registers the PyTorch parity tests for one backend: every fixture, eager and lazy,
 * losses within 1e-5 relative per step and final weights within 1e-3 absolute (1e-4 where a
 * fixture's README asks for it).
 * A backend that cannot start here is skipped with its reason, unless DLRM_REQUIRED_BACKENDS names it.
 */
import { expect, it } from "vitest";
import { describeBackend } from "@dlrm/conformance/vitest";
import type { BackendFactory } from "@dlrm/core";
import { PARITY_FIXTURES, runTorchParity, WEIGHT_TOLERANCE } from "./torch-parity.js";

export async function describeTorchParity(factory: BackendFactory): Promise<void> {
  describeBackend(factory.name, await factory.unavailableReason(), `PyTorch parity on ${factory.name}`, () => {
    for (const fixture of PARITY_FIXTURES) {
      for (const mode of ["eager", "lazy"] as const) {
        const weights = WEIGHT_TOLERANCE[fixture] ?? 1e-3;
        it(`${fixture} (${mode}): every step's loss within 1e-5 relative, final weights within ${weights}`, async () => {
          const r = await runTorchParity(factory, fixture, mode);
          expect(r.losses).toHaveLength(r.expectedLosses.length);
          expect(r.maxLossRelError).toBeLessThan(1e-5);
          expect(r.maxWeightAbsError, `worst: ${r.worstWeight}`).toBeLessThan(weights);
        });
      }
    }
  });
}
