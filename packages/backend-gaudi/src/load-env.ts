/**
 * The environment the addon's libraries read once, when they are loaded, set just for the
 * load (a value the user set is always kept): OPENBLAS_CORETYPE for the level DLRM_CPU_ISA
 * forces (routes.ts), else Zen on AMD Zen 4, where OpenBLAS 0.3.21 (Debian bookworm) picks
 * Cooperlake kernels that run the large DLRM GEMMs slower; and OMP_WAIT_POLICY=PASSIVE, so
 * the pool's OpenMP threads sleep between calls instead of spinning on the cores the
 * JavaScript thread needs. (oneDNN's ceiling is set by the addon itself, when it loads.)
 */
import { readFileSync } from "node:fs";
import { forcedLevel, OPENBLAS_CORE_FOR } from "./routes.js";

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
 * "Zen" on AMD family 25 with AVX-512 (Zen 4), where the Zen kernels ran the Medium model's
 * 512x4096x4096 products faster (the figures and the command are in this package's README).
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
 * The variables to set while loading the addon on this CPU (before the user's values win),
 * given DLRM_CPU_ISA's value; throws a RouteSettingError when the level is refused.
 */
export function loadEnvironment(
  cpu: CpuId | undefined,
  isa: string | undefined = process.env.DLRM_CPU_ISA,
): Record<string, string> {
  const level = forcedLevel(isa, cpu);
  const core = level === undefined ? preferredCoreType(cpu) : OPENBLAS_CORE_FOR[level];
  return { ...(core === undefined ? {} : { OPENBLAS_CORETYPE: core }), OMP_WAIT_POLICY: "PASSIVE" };
}

/**
 * Runs `load` with the variables of `loadEnvironment` that the user has not set, then
 * removes them again, so child processes (PyTorch in the benchmarks) are unaffected. A
 * level forced by DLRM_CPU_ISA replaces a user's OPENBLAS_CORETYPE for the load (restored
 * afterwards), so the forced route holds in OpenBLAS too. Throws a RouteSettingError
 * (before loading) when DLRM_CPU_ISA is refused.
 */
export function withLoadEnvironment<T>(load: () => T, cpu: CpuId | undefined = readCpuId()): T {
  const forced = forcedLevel(process.env.DLRM_CPU_ISA, cpu) !== undefined;
  const saved = Object.entries(loadEnvironment(cpu))
    .filter(([name]) => process.env[name] === undefined || (forced && name === "OPENBLAS_CORETYPE"))
    .map(([name, value]) => ({ name, value, before: process.env[name] }));
  for (const { name, value } of saved) process.env[name] = value;
  try {
    return load();
  } finally {
    for (const { name, before } of saved) {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    }
  }
}
