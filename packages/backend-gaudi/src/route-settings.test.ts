/**
 * The route settings: which ISA levels a CPU's flags allow, DLRM_CPU_ISA's validation
 * (unknown values and levels the CPU lacks refused, naming the variable and what the CPU
 * has), the routes enumerated for the tests, and the addon refusing bad values itself
 * when loaded directly (child processes), with the same wording.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readCpuId, type CpuId } from "./load-env.js";
import { ADDON_PATH } from "./native.js";
import { availableRoutes, forcedLevel, ISA_LEVELS, RouteSettingError, supportedLevels } from "./routes.js";
import { describeNative } from "./test-util.js";

const cpu = (flags: string): CpuId => ({ vendor: "AuthenticAMD", family: 25, flags: new Set(flags.split(" ")) });
const zen3 = cpu("sse4_1 avx avx2 fma");
const zen4 = cpu("sse4_1 avx avx2 fma avx512f avx512bw avx512vl avx512dq avx512_bf16");

describe("route settings", () => {
  it("a CPU runs the levels its flags allow", () => {
    expect(supportedLevels(cpu("sse2"))).toEqual(["portable"]);
    expect(supportedLevels(cpu("avx2"))).toEqual(["portable"]);
    expect(supportedLevels(zen3)).toEqual(["portable", "avx2"]);
    expect(supportedLevels(zen4)).toEqual(["portable", "avx2", "avx512"]);
    expect(supportedLevels(cpu("avx2 fma avx512f"))).toEqual(["portable", "avx2"]);
    expect(supportedLevels(undefined)).toEqual(["portable"]);
  });

  it("DLRM_CPU_ISA: unset or auto forces nothing; a supported level is forced", () => {
    expect(forcedLevel(undefined, zen3)).toBeUndefined();
    expect(forcedLevel("auto", zen3)).toBeUndefined();
    expect(forcedLevel("portable", zen3)).toBe("portable");
    expect(forcedLevel("avx2", zen3)).toBe("avx2");
    expect(forcedLevel("avx512", zen4)).toBe("avx512");
  });

  it("DLRM_CPU_ISA: an unknown value or a level the CPU lacks is refused, naming the variable and what the CPU has", () => {
    expect(() => forcedLevel("sse9", zen3)).toThrow(RouteSettingError);
    expect(() => forcedLevel("sse9", zen3)).toThrow(
      "DLRM_CPU_ISA=sse9 is not a level: use auto, portable, avx2 or avx512",
    );
    let caught: unknown;
    try {
      forcedLevel("avx512", zen3);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RouteSettingError);
    const message = (caught as Error).message;
    expect(message).toContain("DLRM_CPU_ISA=avx512");
    expect(message).toContain("lacks avx512f, avx512bw, avx512vl, avx512dq");
    expect(message).toContain("it has: sse4_1 avx2 fma");
    expect(message).toContain("levels it can run: portable, avx2");
  });

  it("the routes are each supported level times each library built in", () => {
    expect(availableRoutes(zen3, true)).toEqual([
      { isa: "portable", gemm: "openblas" },
      { isa: "portable", gemm: "onednn" },
      { isa: "avx2", gemm: "openblas" },
      { isa: "avx2", gemm: "onednn" },
    ]);
    expect(availableRoutes(zen4, false).map((r) => r.isa)).toEqual(["portable", "avx2", "avx512"]);
  });
});

describeNative("the addon refuses bad route settings when loaded directly", () => {
  const load = (env: Record<string, string>) =>
    spawnSync(process.execPath, ["-e", `require(${JSON.stringify(ADDON_PATH)})`], {
      encoding: "utf8",
      env: { ...process.env, ...env },
    });

  it("an unknown DLRM_CPU_ISA or DLRM_GEMM_LIBRARY fails the load with the variable's name", () => {
    const isa = load({ DLRM_CPU_ISA: "sse9" });
    expect(isa.status).not.toBe(0);
    expect(isa.stderr).toContain("DLRM_CPU_ISA=sse9 is not a level: use auto, portable, avx2 or avx512");
    const lib = load({ DLRM_GEMM_LIBRARY: "mkl" });
    expect(lib.status).not.toBe(0);
    expect(lib.stderr).toContain("DLRM_GEMM_LIBRARY=mkl is not a library: use auto, openblas or onednn");
  });

  it("a level this CPU lacks fails the load, naming what the CPU has; the levels it has load", () => {
    const here = supportedLevels(readCpuId());
    for (const level of ISA_LEVELS) {
      const r = load({ DLRM_CPU_ISA: level });
      if (here.includes(level)) {
        expect(r.status, r.stderr).toBe(0);
      } else {
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain(`DLRM_CPU_ISA=${level} asks for`);
        expect(r.stderr).toContain("which this CPU lacks (it has:");
      }
    }
  });
});
