import { defineConfig } from "vitest/config";
import { reportConfig } from "../../vitest.shared.js";

export default defineConfig({ test: { ...reportConfig("backend-webgpu"), include: ["src/**/*.test.ts"] } });
