/**
 * Vitest settings for @dlrm/charts: the Vega-Lite spec builders and their SVG rendering,
 * with the shared JSON report (test-reports/charts.json) that `.ci/run` totals.
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("charts"), include: ["src/**/*.test.ts"] } });
