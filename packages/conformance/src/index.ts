/**
 * Public surface of @dlrm/conformance: the seeded cases (unit and Medium-shaped), the
 * tolerance table, the expected failures, the comparison metrics, the engine that runs
 * and checks one case, and the cross-backend report with its text table.
 */
export * from "./case.js";
export * from "./cases.js";
export * from "./compare.js";
export * from "./error-case.js";
export * from "./error-report.js";
export * from "./expected-failures.js";
export * from "./report.js";
export * from "./report-table.js";
export * from "./rng.js";
export * from "./run-case.js";
export * from "./sampled-reference.js";
export * from "./sparse-configs.js";
export * from "./tolerances.js";
