/**
 * The environment set while the addon loads: /proc/cpuinfo parsing, the OpenBLAS kernel
 * rule (Zen kernels on AMD family 25 with AVX-512 only, or the kernels of a level DLRM_CPU_ISA
 * forces, ahead of a user's OPENBLAS_CORETYPE), OMP_WAIT_POLICY, a user's values kept, and
 * the variables removed (or restored) after loading so child processes do not inherit them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadEnvironment, parseCpuInfo, preferredCoreType, withLoadEnvironment, type CpuId } from "./load-env.js";

const cpuinfo = (vendor: string, family: number, flags: string): string =>
  `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: 17\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;

const zen4: CpuId = { vendor: "AuthenticAMD", family: 25, flags: new Set(["avx2", "fma", "avx512f"]) };

const NAMES = ["OPENBLAS_CORETYPE", "OMP_WAIT_POLICY", "DLRM_CPU_ISA"] as const;

describe("addon load environment", () => {
  const saved = NAMES.map((n) => process.env[n]);
  afterEach(() => {
    NAMES.forEach((n, i) => {
      if (saved[i] === undefined) delete process.env[n];
      else process.env[n] = saved[i];
    });
  });

  it("parses the first processor of /proc/cpuinfo", () => {
    const cpu = parseCpuInfo(cpuinfo("AuthenticAMD", 25, "fpu avx2 fma avx512f"));
    expect(cpu?.vendor).toBe("AuthenticAMD");
    expect(cpu?.family).toBe(25);
    expect(cpu?.flags.has("avx512f")).toBe(true);
    expect(parseCpuInfo("processor : 0\n")).toBeUndefined();
  });

  it("asks for the Zen kernels on Zen 4 only", () => {
    expect(preferredCoreType(zen4)).toBe("Zen");
    expect(preferredCoreType({ ...zen4, flags: new Set(["avx2", "fma"]) })).toBeUndefined();
    expect(preferredCoreType({ ...zen4, family: 26 })).toBeUndefined();
    expect(preferredCoreType({ ...zen4, vendor: "GenuineIntel", family: 6 })).toBeUndefined();
    expect(preferredCoreType(undefined)).toBeUndefined();
  });

  it("always asks for passive OpenMP waiting", () => {
    expect(loadEnvironment(zen4, "auto")).toEqual({ OPENBLAS_CORETYPE: "Zen", OMP_WAIT_POLICY: "PASSIVE" });
    expect(loadEnvironment(undefined, "auto")).toEqual({ OMP_WAIT_POLICY: "PASSIVE" });
  });

  it("a level forced by DLRM_CPU_ISA picks OpenBLAS's kernels for it; a level the CPU lacks is refused", () => {
    expect(loadEnvironment(zen4, "portable").OPENBLAS_CORETYPE).toBe("Prescott");
    expect(loadEnvironment(zen4, "avx2").OPENBLAS_CORETYPE).toBe("Haswell");
    const avx512 = { ...zen4, flags: new Set(["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]) };
    expect(loadEnvironment(avx512, "avx512").OPENBLAS_CORETYPE).toBe("SkylakeX");
    expect(loadEnvironment(zen4, "auto").OPENBLAS_CORETYPE).toBe("Zen");
    const zen3 = { ...zen4, flags: new Set(["avx2", "fma"]) };
    expect(() => loadEnvironment(zen3, "avx512")).toThrow("DLRM_CPU_ISA=avx512: this CPU lacks avx512f");
    expect(() => loadEnvironment(zen4, "avx512")).toThrow("this CPU lacks avx512bw, avx512vl, avx512dq");
  });

  it("a forced level replaces a user's OPENBLAS_CORETYPE while loading, then restores it", () => {
    for (const n of NAMES) delete process.env[n];
    process.env.OPENBLAS_CORETYPE = "Haswell";
    process.env.DLRM_CPU_ISA = "portable";
    expect(withLoadEnvironment(() => process.env.OPENBLAS_CORETYPE, zen4)).toBe("Prescott");
    expect(process.env.OPENBLAS_CORETYPE).toBe("Haswell");
    process.env.DLRM_CPU_ISA = "avx1024";
    expect(() => withLoadEnvironment(() => "loaded", zen4)).toThrow("DLRM_CPU_ISA=avx1024 is not a level");
    expect(process.env.OPENBLAS_CORETYPE).toBe("Haswell");
  });

  it("sets the variables only while loading, and keeps a user's value", () => {
    for (const n of NAMES) delete process.env[n];
    const seen = (): string => `${process.env.OPENBLAS_CORETYPE}/${process.env.OMP_WAIT_POLICY}`;
    expect(withLoadEnvironment(seen, zen4)).toBe("Zen/PASSIVE");
    for (const n of NAMES) expect(process.env[n]).toBeUndefined();
    expect(withLoadEnvironment(seen, { ...zen4, family: 23 })).toBe("undefined/PASSIVE");
    process.env.OPENBLAS_CORETYPE = "Haswell";
    process.env.OMP_WAIT_POLICY = "ACTIVE";
    expect(withLoadEnvironment(seen, zen4)).toBe("Haswell/ACTIVE");
    expect(seen()).toBe("Haswell/ACTIVE");
  });

  it("removes the variables even when loading throws", () => {
    for (const n of NAMES) delete process.env[n];
    expect(() =>
      withLoadEnvironment(() => {
        throw new Error("load failed");
      }, zen4),
    ).toThrow("load failed");
    for (const n of NAMES) expect(process.env[n]).toBeUndefined();
  });
});
