/**
 * Known conformance failures: a listed case must fail on the named backend (it runs as
 * `it.fails`), so a fix turns the run red until the entry is removed. Every entry needs a
 * reason, and the runner checks that each entry names an existing case.
 */

/** One known failure of one case on one backend. */
export interface ExpectedFailure {
  /** The backend's registry name (factory.name). */
  readonly backend: string;
  /** The exact case name. */
  readonly caseName: string;
  /** Why it fails and what would fix it, in words a reader of the report can act on. */
  readonly reason: string;
}

/** Currently known failures. */
export const EXPECTED_FAILURES: readonly ExpectedFailure[] = [];
