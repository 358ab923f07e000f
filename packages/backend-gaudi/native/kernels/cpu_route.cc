// The kernel route (cpu_route.h): the CPU's features through __builtin_cpu_supports (which
// also checks that the OS saves the AVX and AVX-512 registers), the two settings read
// from the environment once, and their validation against the CPU and the build.
#include "cpu_route.h"

#include <cstdlib>
#include <exception>
#include <memory>

namespace dlrm {
namespace {

bool has(const char* feature) {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports needs a literal; the few names used here are spelled out.
  const std::string f = feature;
  if (f == "sse4.1") return __builtin_cpu_supports("sse4.1");
  if (f == "avx2") return __builtin_cpu_supports("avx2");
  if (f == "fma") return __builtin_cpu_supports("fma");
  if (f == "avx512f") return __builtin_cpu_supports("avx512f");
  if (f == "avx512bw") return __builtin_cpu_supports("avx512bw");
  if (f == "avx512vl") return __builtin_cpu_supports("avx512vl");
  if (f == "avx512dq") return __builtin_cpu_supports("avx512dq");
  if (f == "avx512bf16") return __builtin_cpu_supports("avx512bf16");
#endif
  (void)feature;
  return false;
}

const char* const kFeatures[] = {"sse4.1", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512bf16"};

bool supports(IsaLevel level) {
  switch (level) {
    case IsaLevel::Portable:
      return true;
    case IsaLevel::Avx2:
      return has("avx2") && has("fma");
    case IsaLevel::Avx512:
      return supports(IsaLevel::Avx2) && has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq");
  }
  return false;
}

[[noreturn]] void refuse(const std::string& message) { throw KernelError(ErrorKind::Generic, message); }

std::string allowed_levels() {
  std::string s = "portable";
  if (supports(IsaLevel::Avx2)) s += ", avx2";
  if (supports(IsaLevel::Avx512)) s += ", avx512";
  return s;
}

CpuRoute resolve() {
  CpuRoute r{cpu_max_isa(), false, GemmChoice::Auto};
  const char* isa = std::getenv("DLRM_CPU_ISA");
  const std::string v = isa == nullptr ? "" : isa;
  if (!v.empty() && v != "auto") {
    IsaLevel want;
    if (v == "portable")
      want = IsaLevel::Portable;
    else if (v == "avx2")
      want = IsaLevel::Avx2;
    else if (v == "avx512")
      want = IsaLevel::Avx512;
    else
      refuse("DLRM_CPU_ISA=" + v + " is not a level: use auto, portable, avx2 or avx512");
    if (!supports(want)) {
      const std::string have = cpu_features();
      refuse("DLRM_CPU_ISA=" + v + " asks for " +
             (want == IsaLevel::Avx2 ? "AVX2 and FMA" : "AVX-512 (F, BW, VL, DQ)") +
             ", which this CPU lacks (it has: " + (have.empty() ? "none of sse4.1, avx2, fma, avx512*" : have) +
             "); levels it can run: " + allowed_levels());
    }
    r.isa = want;
    r.isaForced = true;
  }
  const char* lib = std::getenv("DLRM_GEMM_LIBRARY");
  const std::string g = lib == nullptr ? "" : lib;
  if (g == "openblas")
    r.gemm = GemmChoice::OpenBlas;
  else if (g == "onednn")
    r.gemm = GemmChoice::OneDnn;
  else if (!g.empty() && g != "auto")
    refuse("DLRM_GEMM_LIBRARY=" + g + " is not a library: use auto, openblas or onednn");
#ifndef DLRM_HAVE_ONEDNN
  if (r.gemm == GemmChoice::OneDnn) {
    refuse(
        "DLRM_GEMM_LIBRARY=onednn: this build of the addon has no oneDNN (install libdnnl-dev and rebuild); use auto "
        "or openblas");
  }
#endif
  return r;
}

}  // namespace

IsaLevel cpu_max_isa() {
  if (supports(IsaLevel::Avx512)) return IsaLevel::Avx512;
  if (supports(IsaLevel::Avx2)) return IsaLevel::Avx2;
  return IsaLevel::Portable;
}

const CpuRoute& cpu_route() {
  static const std::shared_ptr<const CpuRoute> route = []() -> std::shared_ptr<const CpuRoute> {
    try {
      return std::make_shared<const CpuRoute>(resolve());
    } catch (const KernelError&) {
      return nullptr;
    }
  }();
  if (!route) resolve();  // throws the same error again
  return *route;
}

const char* isa_name(IsaLevel level) {
  return level == IsaLevel::Avx512 ? "avx512" : level == IsaLevel::Avx2 ? "avx2" : "portable";
}

const char* gemm_choice_name(GemmChoice choice) {
  return choice == GemmChoice::OpenBlas ? "openblas" : choice == GemmChoice::OneDnn ? "onednn" : "auto";
}

std::string cpu_features() {
  std::string s;
  for (const char* f : kFeatures) {
    if (!has(f)) continue;
    if (!s.empty()) s += " ";
    s += f;
  }
  return s;
}

}  // namespace dlrm
