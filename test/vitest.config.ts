/**
 * Vitest settings for the shared suite: the conformance cases run against every backend
 * (one three-line test file per backend) plus the end-to-end parity tests. Writes
 * test-reports/test.json like every other workspace.
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../vitest.shared.js";

export default defineConfig({
  test: { ...reportConfig("test"), include: ["conformance/**/*.test.ts", "e2e/**/*.test.ts"] },
});
