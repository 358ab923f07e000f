/**
 * Vitest settings for @dlrm/comm-mpi: mpirun flag and launcher-detection units, then real
 * mpirun jobs (collectives, argument validation, faults and the watchdog) in child processes.
 * Writes test-reports/comm-mpi.json for `.ci/run`.
 */
import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("comm-mpi"), include: ["src/**/*.test.ts"] } });
