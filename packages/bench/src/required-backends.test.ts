/**
 * Tests of benchRunProblems: a run that skipped a required backend, or left it out, is
 * incomplete (the line names the backend and why); failures always are; a run with every
 * required backend is complete.
 */
import { describe, expect, it } from "vitest";
import { benchRunProblems } from "./required-backends.js";
import type { BackendEntry } from "./types.js";

const entry = (name: string, status: BackendEntry["status"], reason?: string): BackendEntry => ({
  name,
  status,
  version: `@dlrm/${name}@0.1.0`,
  ...(reason ? { reason } : {}),
});

describe("benchRunProblems", () => {
  it("names a required backend that was skipped, with the reason", () => {
    const backends = [entry("reference", "ran"), entry("webgpu", "skipped", "no GPU adapter")];
    expect(benchRunProblems(backends, ["reference", "webgpu"])).toEqual([
      "webgpu is required by DLRM_REQUIRED_BACKENDS but was skipped (no GPU adapter)",
    ]);
    expect(benchRunProblems(backends, ["reference"])).toEqual([]);
  });

  it("names a required backend that was not selected at all", () => {
    expect(benchRunProblems([entry("wasm", "ran")], ["gaudi"])).toEqual([
      "gaudi is required by DLRM_REQUIRED_BACKENDS but was not run (not among the selected backends)",
    ]);
  });

  it("always reports a failed backend, required or not", () => {
    expect(benchRunProblems([entry("gaudi", "failed", "eager: out of memory")], [])).toEqual([
      "gaudi failed (eager: out of memory)",
    ]);
  });

  it("a run with every required backend is complete", () => {
    expect(benchRunProblems([entry("reference", "ran"), entry("wasm", "ran")], ["reference", "wasm"])).toEqual([]);
  });
});
