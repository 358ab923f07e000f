/**
 * Which OpenBLAS kernel family the addon asks for, decided before the addon (and so
 * OpenBLAS) is loaded: OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded. A value
 * the user set is always kept. On AMD Zen 4, OpenBLAS 0.3.21 (Debian bookworm) picks its
 * Cooperlake AVX-512 kernels, which run the large DLRM GEMMs slower than its Zen kernels.
 */
import { readFileSync } from "node:fs";

/** The CPU fields the choice depends on (from /proc/cpuinfo's first processor). */
export interface CpuId {
  vendor: string;
  family: number;
  flags: ReadonlySet<string>;
}

/** Parses the first processor block of /proc/cpuinfo; undefined when a field is missing. */
export function parseCpuInfo(text: string): CpuId | undefined {
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(text)?.[1]?.trim();
  const vendor = field("vendor_id");
  const family = Number(field("cpu family"));
  const flags = field("flags");
  if (vendor === undefined || !Number.isInteger(family) || flags === undefined) return undefined;
  return { vendor, family, flags: new Set(flags.split(/\s+/)) };
}

/**
 * The OPENBLAS_CORETYPE to ask for on this CPU, or undefined to leave OpenBLAS's own choice:
 * "Zen" on AMD family 25 with AVX-512 (Zen 4), where `node packages/bench/dist/gemm.js`
 * measured the Zen kernels 5-9 % faster on the 512x4096x4096 products of the Medium model.
 */
export function preferredCoreType(cpu: CpuId | undefined): string | undefined {
  if (cpu === undefined) return undefined;
  return cpu.vendor === "AuthenticAMD" && cpu.family === 25 && cpu.flags.has("avx512f") ? "Zen" : undefined;
}

/** This machine's CPU, or undefined off Linux or when /proc/cpuinfo cannot be read. */
export function readCpuId(): CpuId | undefined {
  try {
    return parseCpuInfo(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Runs `load` with OPENBLAS_CORETYPE set to the preferred kernels when the user has not set
 * it, then removes it again, so child processes (PyTorch in the benchmarks) are unaffected.
 */
export function withPreferredBlasKernels<T>(load: () => T, cpu: CpuId | undefined = readCpuId()): T {
  const core = preferredCoreType(cpu);
  if (process.env.OPENBLAS_CORETYPE !== undefined || core === undefined) return load();
  process.env.OPENBLAS_CORETYPE = core;
  try {
    return load();
  } finally {
    delete process.env.OPENBLAS_CORETYPE;
  }
}
