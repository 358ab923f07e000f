/**
 * The one availability rule for test files, as a vitest helper (`@dlrm/conformance/vitest`,
 * kept apart from the main entry so the CLI never loads vitest): a backend that cannot start
 * here is reported as a skipped test naming the reason, except when DLRM_REQUIRED_BACKENDS
 * names it (CI), where the same test runs and fails with the reason.
 */
import { describe, it } from "vitest";
import { availabilityPlan, parseRequiredBackends } from "../run-case.js";

/**
 * `describe(title, body)` when `backend` can start (`reason` undefined); otherwise one test in
 * its place, skipped with the reason, or failing when the backend is required.
 */
export function describeBackend(backend: string, reason: string | undefined, title: string, body: () => void): void {
  const plan = availabilityPlan(backend, reason, parseRequiredBackends(process.env["DLRM_REQUIRED_BACKENDS"]));
  if (plan === "run") {
    describe(title, body);
    return;
  }
  describe(title, () => {
    const name =
      plan === "skip"
        ? `skipped: ${backend} cannot start here: ${reason}`
        : `${backend} must start (listed in DLRM_REQUIRED_BACKENDS)`;
    it.skipIf(plan === "skip")(name, () => {
      throw new Error(`${backend} is required here but cannot start: ${reason}`);
    });
  });
}
