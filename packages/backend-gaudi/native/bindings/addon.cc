// The addon's entry point (dlrm_gaudi.node): exports the Engine class, info() (the route in force: ISA level and GEMM
// library, threads, BLAS build and kernels), gemmLibrary and setThreads(n), which sizes the process's one pool. Loading
// fails with the route's error when DLRM_CPU_ISA or DLRM_GEMM_LIBRARY is refused.
#include <cblas.h>
#include <napi.h>

#include "../kernels/cpu_route.h"
#include "../kernels/gemm_route.h"
#include "../kernels/kernels.h"
#include "../kernels/thread_pool.h"
#include "args.h"
#include "engine.h"
#include "errors.h"

namespace dlrm {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  const CpuRoute& route = cpu_route();
  o.Set("avx2", use_avx2());
  o.Set("isa", isa_name(route.isa));
  o.Set("isaForced", route.isaForced);
  o.Set("gemmLibrary", gemm_choice_name(route.gemm));
  o.Set("cpuFeatures", cpu_features());
  o.Set("onednnIsa", onednn_isa());
  o.Set("threads", num_threads());
  o.Set("blasThreads", openblas_get_num_threads());
  o.Set("blas", std::string("OpenBLAS ") + openblas_get_config());
  o.Set("blasCore", std::string(openblas_get_corename()));
  const int parallel = openblas_get_parallel();
  o.Set("blasThreading", parallel == 2 ? "openmp" : parallel == 1 ? "pthreads" : "serial");
  o.Set("onednn", onednn_version());
  o.Set("device", "cpu");
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "setThreads", [&]() -> Napi::Value {
    if (info.Length() != 1) throw_js(info.Env(), ErrorKind::Type, "setThreads: expected 1 argument (n)");
    const i64 n = check_size("setThreads", "n", info[0], 64);
    if (n < 1) throw_js(info.Env(), ErrorKind::Range, "setThreads: argument \"n\" must be at least 1");
    set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

/** gemmLibrary(m, n, k, transA, transB, bf16?): which library runs that GEMM with alpha 1, beta 0. */
Napi::Value GemmLibraryOf(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "gemmLibrary", [&]() -> Napi::Value {
    const bool sixth = info.Length() == 6;
    if ((info.Length() != 5 && !sixth) || !info[3].IsBoolean() || !info[4].IsBoolean() ||
        (sixth && !info[5].IsBoolean())) {
      throw_js(info.Env(), ErrorKind::Type,
               "gemmLibrary: expected (m, n, k, transA: boolean, transB: boolean, bf16?: boolean)");
    }
    const bool bf16 = sixth && info[5].As<Napi::Boolean>().Value();
    const i64 m = check_size("gemmLibrary", "m", info[0]), n = check_size("gemmLibrary", "n", info[1]);
    const i64 k = check_size("gemmLibrary", "k", info[2]);
    const GemmLibrary lib =
        gemm_library(info[3].As<Napi::Boolean>(), info[4].As<Napi::Boolean>(), m, n, k, 1.0f, 0.0f, bf16);
    const char* name = lib == GemmLibrary::OneDnnMatmul       ? "onednn-matmul"
                       : lib == GemmLibrary::OneDnnBf16Matmul ? "onednn-bf16-matmul"
                                                              : "openblas";
    return Napi::String::New(info.Env(), name);
  });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  try {
    cpu_route();
    onednn_apply_route();
  } catch (const KernelError& e) {
    throw Napi::Error::New(env, e.what());
  }
  exports.Set("Engine", Engine::Define(env));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("gemmLibrary", Napi::Function::New(env, GemmLibraryOf, "gemmLibrary"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  return exports;
}

}  // namespace dlrm

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return dlrm::Init(env, exports); }

NODE_API_MODULE(dlrm_gaudi, InitAddon)
