/**
 * Shared vitest settings: every workspace writes a JSON report to test-reports/<name>.json
 * so `.ci/run` can total the whole run into one "N passed, N failed" line.
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = dirname(fileURLToPath(import.meta.url));

/** @param {string} name workspace short name */
export function reportConfig(name) {
  return {
    reporters: ["default", "json"],
    outputFile: { json: join(root, "test-reports", `${name}.json`) },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  };
}
