/**
 * Vitest settings for @dlrm/backends: unit tests of the registry, with the shared JSON
 * report (test-reports/backends.json) that `.ci/run` totals.
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("backends"), include: ["src/**/*.test.ts"] } });
