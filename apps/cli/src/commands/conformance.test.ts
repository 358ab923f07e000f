/**
 * Unit tests of `dlrm conformance`'s report logic with injected registries: a broken
 * backend fails with FAIL lines, an unavailable one is skipped (or fails when required),
 * the reference passes with a table row per op, --dtype bf16 runs only the bf16 cases (and
 * catches a backend that ignores bf16), and unknown names are refused.
 */
import { describe, expect, it } from "vitest";
import { ReferenceBackend, referenceBackendFactory, withLazyMode, type BackendFactory } from "@dlrm/core";
import { UsageError } from "../errors.js";
import { runConformanceCommand, type ConformanceIo } from "./conformance.js";

/** A backend whose gemm is off by 1e-3 relative: every gemm-based case must fail. */
class SloppyGemm extends ReferenceBackend {
  override readonly info = { ...new ReferenceBackend().info, name: "sloppy" };
  override gemm(args: Parameters<ReferenceBackend["gemm"]>[0]): void {
    super.gemm({ ...args, alpha: args.alpha * (1 + 1e-3) });
  }
}

const sloppy: BackendFactory = {
  name: "sloppy",
  unavailableReason: async () => undefined,
  create: async (o = {}) => (o.mode === "lazy" ? withLazyMode(new SloppyGemm()) : new SloppyGemm()),
};

/** A backend whose eager reluForward refuses a missing output with a plain Error, not the contract's TypeError. */
class WrongErrorClass extends ReferenceBackend {
  override readonly info = { ...new ReferenceBackend().info, name: "wrongclass" };
  override reluForward(args: Parameters<ReferenceBackend["reluForward"]>[0]): void {
    if (args.y === undefined) throw new Error("reluForward: no y");
    super.reluForward(args);
  }
}

/** Its lazy mode checks arguments at record time (core's validateOp), so only eager mode is wrong. */
const wrongClass: BackendFactory = {
  name: "wrongclass",
  unavailableReason: async () => undefined,
  create: async (o = {}) => (o.mode === "lazy" ? withLazyMode(new WrongErrorClass()) : new WrongErrorClass()),
};

/** A backend that computes gemm in fp32 whatever precision it is asked for. */
class Fp32OnlyGemm extends ReferenceBackend {
  override readonly info = { ...new ReferenceBackend().info, name: "fp32only" };
  override gemm(args: Parameters<ReferenceBackend["gemm"]>[0]): void {
    super.gemm({ ...args, precision: "fp32" });
  }
}

const fp32Only: BackendFactory = {
  name: "fp32only",
  unavailableReason: async () => undefined,
  create: async (o = {}) => (o.mode === "lazy" ? withLazyMode(new Fp32OnlyGemm()) : new Fp32OnlyGemm()),
};

const missing: BackendFactory = {
  name: "missing",
  unavailableReason: async () => "no such device here",
  create: async () => {
    throw new Error("unreachable");
  },
};

function io(registry: BackendFactory[], required: string[] = []): ConformanceIo & { text: () => string } {
  let text = "";
  return { registry, required, out: (s) => (text += s), progress: () => undefined, text: () => text };
}

describe("dlrm conformance report", () => {
  it("passes on the reference with one row per op, and shows an unavailable backend as skipped", async () => {
    const o = io([referenceBackendFactory, missing]);
    const report = await runConformanceCommand({ dtype: "fp32", medium: false }, o);
    expect(report.passed).toBe(true);
    const lines = o.text().split("\n");
    expect(lines.find((l) => l.startsWith("gemm "))).toMatch(/^gemm\s+1\.0e-4\s+self pass yes$/);
    expect(lines.some((l) => /^trainingStep\s+1\.0e-4\s+self pass yes$/.test(l))).toBe(true);
    expect(lines).toContain("missing: skipped: no such device here");
    // The reference against itself and its recorded lazy replay are listed, not counted: only its reruns count.
    const runs = report.results.filter((r) => r.status === "pass").length;
    expect(lines).toContain(`conformance: passed (${runs} comparisons that could fail, in ${runs} case runs)`);
    expect(lines).toContain(`counted (could fail): second eager run, bit for bit ${runs}`);
    expect(lines).toContainEqual(expect.stringMatching(/^error rule\s+reference$/));
    expect(lines).toContainEqual(expect.stringMatching(/^out-of-range index\s+pass 2$/));
    expect(lines).toContainEqual(expect.stringMatching(/^negative index\s+pass 2$/));
    expect(lines).toContainEqual(expect.stringMatching(/^offsets\s+pass 6$/));
    expect(lines[lines.length - 2]).toMatch(/^error cases: passed \(\d+ case runs, eager and lazy\)$/);
  });

  it("fails the error cases of a backend that throws another error class, per backend and mode", async () => {
    const o = io([referenceBackendFactory, wrongClass]);
    const report = await runConformanceCommand({ dtype: "fp32", medium: false }, o);
    expect(report.passed).toBe(false);
    const text = o.text();
    expect(text).toMatch(/^error rule\s+reference\s+wrongclass$/m);
    expect(text).toMatch(/^missing\s+pass 2\s+FAIL 1\/2$/m);
    expect(text).toContain(
      'FAIL wrongclass eager errors/reluForward missing y: threw Error, want TypeError; message "reluForward: no y", want "reluForward: argument \\"y\\" is missing"',
    );
    expect(text).not.toMatch(/^FAIL wrongclass lazy /m);
    expect(text).toMatch(/^error cases: FAILED \(1 of \d+ case runs\)$/m);
  });

  it("fails on a backend with a broken gemm, naming the cases", async () => {
    const o = io([referenceBackendFactory, sloppy]);
    const report = await runConformanceCommand({ dtype: "fp32", medium: false, backends: "sloppy" }, o);
    expect(report.passed).toBe(false);
    const text = o.text();
    expect(text).toMatch(/^gemm\s+1\.0e-4\s+\d\.\de-3 FAIL yes$/m);
    expect(text).toMatch(/^reluForward\s+0\s+0 pass yes$/m);
    expect(text).toMatch(/^FAIL sloppy gemm\/nn 2x2x3 alpha 1 beta 0: eager vs reference: c\[\d\]/m);
    expect(text).toMatch(/^FAIL sloppy trainingStep\//m);
    expect(text).toMatch(/^conformance: FAILED \(\d+ of \d+ case runs; \d+ of \d+ comparisons that could fail\)$/m);
    expect(text).toMatch(
      /^sloppy: ran on .*; compares: eager vs float64 reference; second eager run, bit for bit; lazy vs eager, bit for bit \(recorded replay: not counted\)$/m,
    );
    expect(
      report.results
        .filter((r) => r.status === "fail")
        .every((r) => ["gemm", "linearForward", "trainingStep"].includes(r.op)),
    ).toBe(true);
  });

  it("fails when a required backend is unavailable", async () => {
    const o = io([missing], ["missing"]);
    const report = await runConformanceCommand({ dtype: "fp32", medium: false }, o);
    expect(report.passed).toBe(false);
    expect(o.text()).toContain("missing: FAILED: no such device here (required by DLRM_REQUIRED_BACKENDS)");
  });

  it("--dtype bf16 runs only the bf16 cases: the reference passes, a backend ignoring bf16 fails", async () => {
    const o = io([referenceBackendFactory, fp32Only]);
    const report = await runConformanceCommand({ dtype: "bf16", medium: false }, o);
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.every((r) => r.caseName.includes("bf16"))).toBe(true);
    expect(report.results.filter((r) => r.backend === "reference").every((r) => r.status === "pass")).toBe(true);
    const failed = new Set(report.results.filter((r) => r.status === "fail").map((r) => r.op));
    expect([...failed].sort()).toEqual(["gemm", "linearForward", "trainingStep"]);
    expect(report.passed).toBe(false);
    expect(o.text()).toMatch(/^FAIL fp32only gemm\/bf16 /m);
  });

  it("refuses unknown backends", async () => {
    await expect(
      runConformanceCommand({ dtype: "fp32", medium: false, backends: "tpu" }, io([referenceBackendFactory])),
    ).rejects.toThrow(UsageError);
  });
});
