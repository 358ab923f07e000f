/**
 * What makes a `dlrm bench` run incomplete: a backend that failed, and a backend required by
 * DLRM_REQUIRED_BACKENDS that did not run (skipped as unavailable, excluded, or not selected).
 * The CLI exits non-zero on any line this returns, so a CI smoke run cannot pass by skipping.
 */
import type { BackendEntry } from "./types.js";

/**
 * One line per problem of a run whose backends are `backends` (a bench report's entries):
 * every failed backend, then every name in `required` that is not "ran", named with why.
 */
export function benchRunProblems(backends: readonly BackendEntry[], required: readonly string[]): string[] {
  const problems = backends
    .filter((b) => b.status === "failed")
    .map((b) => `${b.name} failed (${b.reason ?? "no reason given"})`);
  for (const name of required) {
    const entry = backends.find((b) => b.name === name);
    if (entry === undefined)
      problems.push(`${name} is required by DLRM_REQUIRED_BACKENDS but was not run (not among the selected backends)`);
    else if (entry.status === "skipped")
      problems.push(
        `${name} is required by DLRM_REQUIRED_BACKENDS but was skipped (${entry.reason ?? "no reason given"})`,
      );
  }
  return problems;
}
