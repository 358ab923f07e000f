// The kernel route in force: the ISA level (portable, AVX2, AVX-512) of the range kernels
// and the libraries, and the GEMM library, each chosen from the CPU's features or forced
// by an environment variable (DLRM_CPU_ISA, DLRM_GEMM_LIBRARY) read once, on first use.
// A setting the CPU or the build cannot honour is refused (a KernelError naming it).
#pragma once

#include <string>

#include "common.h"

namespace dlrm {

/** ISA levels, lowest first: x86-64 baseline, AVX2 + FMA, AVX-512 (F, BW, VL, DQ). */
enum class IsaLevel { Portable, Avx2, Avx512 };

/** GEMM library setting: Auto (by shape, gemm_route.h), every GEMM in OpenBLAS, or every GEMM in oneDNN. */
enum class GemmChoice { Auto, OpenBlas, OneDnn };

struct CpuRoute {
  IsaLevel isa;
  /** True when DLRM_CPU_ISA set the level (else the highest the CPU has). */
  bool isaForced;
  GemmChoice gemm;
};

/**
 * The route, resolved once from DLRM_CPU_ISA (unset or "auto" | "portable" | "avx2" |
 * "avx512") and DLRM_GEMM_LIBRARY (unset or "auto" | "openblas" | "onednn"). Throws a
 * KernelError (Generic) naming the variable, its value and what this CPU or build has
 * when the value is unknown, asks for a level the CPU lacks, or names oneDNN in a build
 * without it; every later call throws the same error.
 */
const CpuRoute& cpu_route();

/** The highest ISA level this CPU (and its OS) supports. */
IsaLevel cpu_max_isa();

/** "portable", "avx2" or "avx512". */
const char* isa_name(IsaLevel level);

/** "auto", "openblas" or "onednn". */
const char* gemm_choice_name(GemmChoice choice);

/** The CPU features the levels depend on that this CPU has, e.g. "sse4.1 avx2 fma" ("" off x86). */
std::string cpu_features();

}  // namespace dlrm
