/**
 * The kernel routes of the native backend and the two settings that force one:
 * DLRM_CPU_ISA (portable | avx2 | avx512: the range kernels' build, OpenBLAS's kernels and
 * oneDNN's instruction ceiling) and DLRM_GEMM_LIBRARY (auto | openblas | onednn). The
 * levels a CPU can run come from its /proc/cpuinfo flags; the addon checks the same again.
 */
import type { CpuId } from "./load-env.js";

export const ISA_LEVELS = ["portable", "avx2", "avx512"] as const;
export type IsaLevel = (typeof ISA_LEVELS)[number];

export const GEMM_LIBRARIES = ["auto", "openblas", "onednn"] as const;
export type GemmLibrarySetting = (typeof GEMM_LIBRARIES)[number];

/** A route forced by the two settings. */
export interface Route {
  readonly isa: IsaLevel;
  readonly gemm: GemmLibrarySetting;
}

/** The CPU flags (as /proc/cpuinfo spells them) each level needs, beyond the level below. */
const LEVEL_FLAGS: Record<IsaLevel, readonly string[]> = {
  portable: [],
  avx2: ["avx2", "fma"],
  avx512: ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"],
};

/** OpenBLAS's kernels for a forced level (OPENBLAS_CORETYPE): its x86-64 baseline, Haswell's AVX2, SkylakeX's AVX-512. */
export const OPENBLAS_CORE_FOR: Record<IsaLevel, string> = {
  portable: "Prescott",
  avx2: "Haswell",
  avx512: "SkylakeX",
};

/** A refused setting: names the variable, its value and what this CPU or build can run. */
export class RouteSettingError extends Error {
  override readonly name = "RouteSettingError";
}

/** The levels `cpu` can run, lowest first (portable only when the CPU is unknown). */
export function supportedLevels(cpu: CpuId | undefined): IsaLevel[] {
  if (cpu === undefined) return ["portable"];
  return ISA_LEVELS.filter((l) => LEVEL_FLAGS[l].every((f) => cpu.flags.has(f)));
}

/**
 * The level DLRM_CPU_ISA forces, or undefined when it is unset or "auto". Throws a
 * RouteSettingError for an unknown value or a level `cpu` lacks (when the CPU is known).
 */
export function forcedLevel(value: string | undefined, cpu: CpuId | undefined): IsaLevel | undefined {
  if (value === undefined || value === "" || value === "auto") return undefined;
  if (!(ISA_LEVELS as readonly string[]).includes(value)) {
    throw new RouteSettingError(`DLRM_CPU_ISA=${value} is not a level: use auto, portable, avx2 or avx512`);
  }
  const level = value as IsaLevel;
  if (cpu !== undefined && !supportedLevels(cpu).includes(level)) {
    const missing = LEVEL_FLAGS[level].filter((f) => !cpu.flags.has(f));
    const has = ["sse4_1", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"].filter((f) =>
      cpu.flags.has(f),
    );
    throw new RouteSettingError(
      `DLRM_CPU_ISA=${value}: this CPU lacks ${missing.join(", ")} (it has: ${has.join(" ") || "none of the AVX2/AVX-512 flags"}); levels it can run: ${supportedLevels(cpu).join(", ")}`,
    );
  }
  return level;
}

/** Every route this CPU can run with this build: each supported level x each library built in. */
export function availableRoutes(cpu: CpuId | undefined, withOneDnn: boolean): Route[] {
  const libraries: GemmLibrarySetting[] = withOneDnn ? ["openblas", "onednn"] : ["openblas"];
  return supportedLevels(cpu).flatMap((isa) => libraries.map((gemm) => ({ isa, gemm })));
}

/** The environment that forces `route` in a child process. */
export function routeEnvironment(route: Route): Record<string, string> {
  return { DLRM_CPU_ISA: route.isa, DLRM_GEMM_LIBRARY: route.gemm };
}
