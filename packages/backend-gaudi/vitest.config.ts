/**
 * Vitest settings for @dlrm/backend-gaudi: the addon's validation, fuzz (child process),
 * GEMM and async-lifetime tests. Writes test-reports/backend-gaudi.json for `.ci/run`.
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("backend-gaudi"), include: ["src/**/*.test.ts"] } });
