/**
 * Vitest settings for @dlrm/cli: unit tests of flag parsing and end-to-end runs of the
 * built `dlrm` command, with the shared JSON report (test-reports/cli.json).
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("cli"), include: ["src/**/*.test.ts"] } });
