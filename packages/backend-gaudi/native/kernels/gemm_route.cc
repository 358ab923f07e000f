// The GEMM routing rule (gemm_route.h) and the oneDNN calls: a matmul primitive per
// (shape, transposes, threads), created once and cached, run on the caller's pointers;
// dnnl_sgemm for A^T * B. One oneDNN call at a time (the cache and oneDNN's scratchpad
// are shared); oneDNN's OpenMP threads are sized to the process pool before each call.
// Measured on the 2-core Zen 4 machine (best of 10, `node packages/bench/dist/gemm.js`):
// 512x4096x4096 A*B^T 78-82 ms matmul vs 81-87 OpenBLAS; 4096x4096x512 A^T*B 77-79 ms
// dnnl_sgemm vs 80-86 OpenBLAS; A*B no faster, so it stays on OpenBLAS.
#include "gemm_route.h"

#ifdef DLRM_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <map>
#include <mutex>
#include <tuple>
#endif

namespace dlrm {

#ifdef DLRM_HAVE_ONEDNN
namespace {

void check(dnnl_status_t s, const char* what) {
  if (s != dnnl_success) {
    throw KernelError(ErrorKind::Generic, std::string("gemm: oneDNN ") + what + " failed (dnnl status " + std::to_string(s) + ")");
  }
}

struct Matmul {
  dnnl_primitive_t primitive = nullptr;
  dnnl_memory_desc_t a{}, b{}, c{};
};

/** The CPU engine, its stream and the primitive cache, behind one mutex. */
struct OneDnn {
  dnnl_engine_t engine = nullptr;
  dnnl_stream_t stream = nullptr;
  std::map<std::tuple<i64, i64, i64, bool, bool, int>, Matmul> cache;
  std::mutex m;
};

OneDnn& onednn() {
  static OneDnn* o = [] {
    auto* x = new OneDnn();
    check(dnnl_engine_create(&x->engine, dnnl_cpu, 0), "engine creation");
    check(dnnl_stream_create(&x->stream, x->engine, dnnl_stream_default_flags), "stream creation");
    return x;
  }();
  return *o;
}

/** The cached matmul primitive for row-major C = op(A) op(B) (strides express the transposes). */
const Matmul& matmul(OneDnn& o, bool ta, bool tb, i64 m, i64 n, i64 k, int threads) {
  const auto key = std::make_tuple(m, n, k, ta, tb, threads);
  const auto it = o.cache.find(key);
  if (it != o.cache.end()) return it->second;
  Matmul mm;
  dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
  dnnl_dims_t as = {ta ? 1 : k, ta ? m : 1}, bs = {tb ? 1 : n, tb ? k : 1}, cs = {n, 1};
  check(dnnl_memory_desc_init_by_strides(&mm.a, 2, ad, dnnl_f32, as), "memory descriptor");
  check(dnnl_memory_desc_init_by_strides(&mm.b, 2, bd, dnnl_f32, bs), "memory descriptor");
  check(dnnl_memory_desc_init_by_strides(&mm.c, 2, cd, dnnl_f32, cs), "memory descriptor");
  dnnl_matmul_desc_t desc;
  check(dnnl_matmul_desc_init(&desc, &mm.a, &mm.b, nullptr, &mm.c), "matmul descriptor");
  dnnl_primitive_desc_t pd;
  check(dnnl_primitive_desc_create(&pd, &desc, nullptr, o.engine, nullptr), "matmul primitive descriptor");
  const dnnl_status_t made = dnnl_primitive_create(&mm.primitive, pd);
  dnnl_primitive_desc_destroy(pd);
  check(made, "matmul primitive creation");
  return o.cache.emplace(key, mm).first->second;
}

/** A oneDNN memory object over caller-owned data, destroyed with the scope. */
struct Memory {
  dnnl_memory_t handle = nullptr;
  Memory(const dnnl_memory_desc_t& d, dnnl_engine_t e, const float* p) {
    check(dnnl_memory_create(&handle, &d, e, const_cast<float*>(p)), "memory creation");
  }
  ~Memory() { dnnl_memory_destroy(handle); }
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
};

}  // namespace

GemmLibrary gemm_library(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, float beta) {
  if (alpha != 1.0f || beta != 0.0f || static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) < 2147483648.0) {
    return GemmLibrary::OpenBlas;
  }
  if (!transA && transB) return GemmLibrary::OneDnnMatmul;
  if (transA && !transB) return GemmLibrary::OneDnnSgemm;
  return GemmLibrary::OpenBlas;
}

void onednn_gemm(GemmLibrary lib, bool transA, bool transB, i64 m, i64 n, i64 k, const float* a, const float* b,
                 float* c, int threads) {
  OneDnn& o = onednn();
  std::lock_guard<std::mutex> lock(o.m);
  omp_set_num_threads(threads);
  if (lib == GemmLibrary::OneDnnSgemm) {
    check(dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f, a, transA ? m : k, b, transB ? k : n, 0.0f, c, n),
          "sgemm");
    return;
  }
  const Matmul& mm = matmul(o, transA, transB, m, n, k, threads);
  Memory ma(mm.a, o.engine, a), mb(mm.b, o.engine, b), mc(mm.c, o.engine, c);
  dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma.handle}, {DNNL_ARG_WEIGHTS, mb.handle}, {DNNL_ARG_DST, mc.handle}};
  check(dnnl_primitive_execute(mm.primitive, o.stream, 3, args), "matmul execution");
  check(dnnl_stream_wait(o.stream), "stream wait");
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

#else

GemmLibrary gemm_library(bool, bool, i64, i64, i64, float, float) { return GemmLibrary::OpenBlas; }

void onednn_gemm(GemmLibrary, bool, bool, i64, i64, i64, const float*, const float*, float*, int) {
  throw KernelError(ErrorKind::Generic, "gemm: this build has no oneDNN");
}

std::string onednn_version() { return ""; }

#endif

}  // namespace dlrm
