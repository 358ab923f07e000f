/**
 * How every surface that shows a backend's figures names it (bench tables, HTML and JSON,
 * the conformance report, `dlrm train`'s start-up block): the registry name, plus where it
 * computes when the name alone would mislead (the backend named "gaudi" runs natively on the
 * host CPU, so no reader takes its figures for an accelerator's).
 */

/** Where a backend computes, for the names that need saying; others show the name alone. */
const WHERE: Readonly<Record<string, string>> = { gaudi: "native (host CPU)" };

/** "gaudi native (host CPU)" for gaudi; the name unchanged for every other backend. */
export function backendLabel(name: string): string {
  const where = WHERE[name];
  return where === undefined ? name : `${name} ${where}`;
}
