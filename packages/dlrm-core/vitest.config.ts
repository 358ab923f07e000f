import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("dlrm-core"), include: ["src/**/*.test.ts"] } });
