/**
 * Vitest settings for @dlrm/bench: the FLOP count, timing summary, comparison, and the
 * HTML report rendered in headless Chromium, with the shared JSON report
 * (test-reports/bench.json) that `.ci/run` totals.
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("bench"), include: ["src/**/*.test.ts"] } });
