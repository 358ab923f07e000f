/**
 * The OpenBLAS kernel choice made before the addon loads: /proc/cpuinfo parsing, the rule
 * (Zen kernels on AMD family 25 with AVX-512 only), a user's OPENBLAS_CORETYPE kept, and
 * the variable removed again after loading so child processes do not inherit it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseCpuInfo, preferredCoreType, withPreferredBlasKernels, type CpuId } from "./blas-kernels.js";

const cpuinfo = (vendor: string, family: number, flags: string): string =>
  `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: 17\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;

const zen4: CpuId = { vendor: "AuthenticAMD", family: 25, flags: new Set(["avx2", "fma", "avx512f"]) };

describe("OpenBLAS kernel choice", () => {
  const saved = process.env.OPENBLAS_CORETYPE;
  afterEach(() => {
    if (saved === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = saved;
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

  it("sets OPENBLAS_CORETYPE only while loading, and keeps a user's value", () => {
    delete process.env.OPENBLAS_CORETYPE;
    expect(withPreferredBlasKernels(() => process.env.OPENBLAS_CORETYPE, zen4)).toBe("Zen");
    expect(process.env.OPENBLAS_CORETYPE).toBeUndefined();
    expect(withPreferredBlasKernels(() => process.env.OPENBLAS_CORETYPE, { ...zen4, family: 23 })).toBeUndefined();
    process.env.OPENBLAS_CORETYPE = "Haswell";
    expect(withPreferredBlasKernels(() => process.env.OPENBLAS_CORETYPE, zen4)).toBe("Haswell");
    expect(process.env.OPENBLAS_CORETYPE).toBe("Haswell");
  });

  it("removes the variable even when loading throws", () => {
    delete process.env.OPENBLAS_CORETYPE;
    expect(() => withPreferredBlasKernels(() => { throw new Error("load failed"); }, zen4)).toThrow("load failed");
    expect(process.env.OPENBLAS_CORETYPE).toBeUndefined();
  });
});
