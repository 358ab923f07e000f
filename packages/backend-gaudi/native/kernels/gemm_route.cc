// The GEMM routing rule (gemm_route.h) and the oneDNN calls: a matmul primitive per
// (shape, transposes, threads, dtype), created once and cached with its own scratchpad,
// run on the caller's pointers (bf16 operands converted into per-thread scratch first).
// One oneDNN call at a time, on the calling thread's OpenMP team (sized by the caller, thread_pool.h).
// Measured on the 2-core Zen 4 machine, fp32, best of 10 alone: 512x4096x4096 A*B^T
// 78-82 ms matmul vs 81-87 OpenBLAS; 512x1024x1024 A*B^T 4.8-4.9 vs 5.1-5.7 ms;
// 4096x128x512 A^T*B 2.6 vs 3.5-5.5 ms; A*B (against OpenBLAS's OpenMP build) 512x128x4096
// 2.4 vs 3.5-3.6 ms, 512x1024x1024 5.1-5.4 vs 6.2 ms, 512x4096x4096 81-83 vs 83-88 (a tie
// inside the step, so it stays on OpenBLAS with the largest A^T*B). The 4096x4096x512 A^T*B ran faster
// in OpenBLAS inside the Medium step (83-99 ms a call vs 92-98 dnnl_sgemm, 91-115 matmul,
// four alternating runs), so it stays there. bf16 matmul (brg:avx512_core_bf16): 41-44 ms
// for the 4096-wide products, ~410 GFLOP/s.
#include "gemm_route.h"

#ifdef DLRM_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "bf16.h"
#include "scratch.h"
#include "thread_pool.h"
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
  dnnl_memory_desc_t a{}, b{}, c{}, scratch{};
  /** This primitive's own scratchpad (user-managed: nothing shared between primitives or thread counts). */
  std::shared_ptr<std::uint8_t[]> scratchpad;
};

/** The CPU engine, its stream and the primitive cache, behind one mutex. */
struct OneDnn {
  dnnl_engine_t engine = nullptr;
  dnnl_stream_t stream = nullptr;
  std::map<std::tuple<i64, i64, i64, bool, bool, int, bool>, Matmul> cache;
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

/** The matmul primitive descriptor for row-major C (f32) = op(A) op(B), operands f32 or bf16. */
dnnl_primitive_desc_t matmul_desc(OneDnn& o, Matmul& mm, bool ta, bool tb, i64 m, i64 n, i64 k, bool bf16) {
  const dnnl_data_type_t in = bf16 ? dnnl_bf16 : dnnl_f32;
  dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
  dnnl_dims_t as = {ta ? 1 : k, ta ? m : 1}, bs = {tb ? 1 : n, tb ? k : 1}, cs = {n, 1};
  check(dnnl_memory_desc_init_by_strides(&mm.a, 2, ad, in, as), "memory descriptor");
  check(dnnl_memory_desc_init_by_strides(&mm.b, 2, bd, in, bs), "memory descriptor");
  check(dnnl_memory_desc_init_by_strides(&mm.c, 2, cd, dnnl_f32, cs), "memory descriptor");
  dnnl_matmul_desc_t desc;
  check(dnnl_matmul_desc_init(&desc, &mm.a, &mm.b, nullptr, &mm.c), "matmul descriptor");
  dnnl_primitive_attr_t attr;
  check(dnnl_primitive_attr_create(&attr), "attribute creation");
  const dnnl_status_t user = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
  dnnl_primitive_desc_t pd = nullptr;
  const dnnl_status_t made = user == dnnl_success ? dnnl_primitive_desc_create(&pd, &desc, attr, o.engine, nullptr) : user;
  dnnl_primitive_attr_destroy(attr);
  check(made, "matmul primitive descriptor");
  const dnnl_memory_desc_t* scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  if (scratch != nullptr) mm.scratch = *scratch;
  return pd;
}

/** The cached matmul primitive for row-major C = op(A) op(B) (strides express the transposes). */
const Matmul& matmul(OneDnn& o, bool ta, bool tb, i64 m, i64 n, i64 k, int threads, bool bf16) {
  const auto key = std::make_tuple(m, n, k, ta, tb, threads, bf16);
  const auto it = o.cache.find(key);
  if (it != o.cache.end()) return it->second;
  Matmul mm;
  dnnl_primitive_desc_t pd = matmul_desc(o, mm, ta, tb, m, n, k, bf16);
  const dnnl_status_t made = dnnl_primitive_create(&mm.primitive, pd);
  dnnl_primitive_desc_destroy(pd);
  check(made, "matmul primitive creation");
  const size_t bytes = dnnl_memory_desc_get_size(&mm.scratch);
  if (bytes > 0) mm.scratchpad.reset(new std::uint8_t[bytes + 64]);
  return o.cache.emplace(key, mm).first->second;
}

/** Whether oneDNN runs bf16 matmuls with bf16 dot-product instructions here (not emulated or reference). */
bool native_bf16() {
  static const bool yes = [] {
    try {
      OneDnn& o = onednn();
      std::lock_guard<std::mutex> lock(o.m);
      Matmul mm;
      dnnl_primitive_desc_t pd = matmul_desc(o, mm, false, true, 64, 64, 64, true);
      const char* impl = nullptr;
      dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
      const std::string name = impl == nullptr ? "" : impl;
      dnnl_primitive_desc_destroy(pd);
      return name.find("bf16") != std::string::npos || name.find("amx") != std::string::npos;
    } catch (const KernelError&) {
      return false;
    }
  }();
  return yes;
}

/** src[0..n) rounded to bf16 (as to_bf16) into the calling thread's scratch slot `which`. */
const std::uint16_t* bf16_bits(const float* src, i64 n, int which) {
  std::uint16_t* out = thread_scratch<std::uint16_t>(which, n);
  parallel_for(n, 65536, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; i++) {
      const float r = to_bf16(src[i]);
      std::uint32_t u;
      std::memcpy(&u, &r, 4);
      out[i] = static_cast<std::uint16_t>(u >> 16);
    }
  });
  return out;
}

/** A oneDNN memory object over caller-owned data, destroyed with the scope. */
struct Memory {
  dnnl_memory_t handle = nullptr;
  Memory(const dnnl_memory_desc_t& d, dnnl_engine_t e, const void* p) {
    check(dnnl_memory_create(&handle, &d, e, const_cast<void*>(p)), "memory creation");
  }
  ~Memory() { dnnl_memory_destroy(handle); }
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
};

}  // namespace

GemmLibrary gemm_library(bool transA, bool transB, i64 m, i64 n, i64 k, float alpha, float beta, bool bf16) {
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (alpha != 1.0f || beta != 0.0f) return GemmLibrary::OpenBlas;
  if (bf16) return work >= 16777216.0 && native_bf16() ? GemmLibrary::OneDnnBf16Matmul : GemmLibrary::OpenBlas;
  if (work < 67108864.0 || (transA && transB) || (!transB && work >= 2147483648.0)) return GemmLibrary::OpenBlas;
  return GemmLibrary::OneDnnMatmul;
}

void onednn_gemm(GemmLibrary lib, bool transA, bool transB, i64 m, i64 n, i64 k, const float* a, const float* b,
                 float* c, int threads) {
  OneDnn& o = onednn();
  std::lock_guard<std::mutex> lock(o.m);
  const bool bf16 = lib == GemmLibrary::OneDnnBf16Matmul;
  const void* pa = a;
  const void* pb = b;
  if (bf16) {
    pa = bf16_bits(a, m * k, 0);
    pb = bf16_bits(b, k * n, 1);
  }
  const Matmul& mm = matmul(o, transA, transB, m, n, k, threads, bf16);
  Memory ma(mm.a, o.engine, pa), mb(mm.b, o.engine, pb), mc(mm.c, o.engine, c);
  Memory ms(mm.scratch, o.engine, mm.scratchpad.get());
  dnnl_exec_arg_t args[4] = {
      {DNNL_ARG_SRC, ma.handle}, {DNNL_ARG_WEIGHTS, mb.handle}, {DNNL_ARG_DST, mc.handle}, {DNNL_ARG_SCRATCHPAD, ms.handle}};
  check(dnnl_primitive_execute(mm.primitive, o.stream, 4, args), "matmul execution");
  check(dnnl_stream_wait(o.stream), "stream wait");
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

#else

GemmLibrary gemm_library(bool, bool, i64, i64, i64, float, float, bool) { return GemmLibrary::OpenBlas; }

void onednn_gemm(GemmLibrary, bool, bool, i64, i64, i64, const float*, const float*, float*, int) {
  throw KernelError(ErrorKind::Generic, "gemm: this build has no oneDNN");
}

std::string onednn_version() { return ""; }

#endif

}  // namespace dlrm
