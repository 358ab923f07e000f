// The GEMM routing rule (gemm_route.h) and oneDNN's tile calls: a single-threaded matmul
// primitive per (tile shape, strides, transposes, dtype), created once and cached, run on
// the caller's pointers with a per-thread stream and scratchpad, so tiles of one GEMM can
// run on every thread of the pool at once.
#include "gemm_route.h"

#include "cpu_route.h"

#ifdef DLRM_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>

#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#endif

namespace dlrm {

#ifdef DLRM_HAVE_ONEDNN
namespace {

void check(dnnl_status_t s, const char* what) {
  if (s != dnnl_success) {
    throw KernelError(ErrorKind::Generic,
                      std::string("gemm: oneDNN ") + what + " failed (dnnl status " + std::to_string(s) + ")");
  }
}

struct Matmul {
  dnnl_primitive_t primitive = nullptr;
  dnnl_memory_desc_t a{}, b{}, c{}, scratch{};
  size_t scratchBytes = 0;
};

using Key = std::tuple<i64, i64, i64, i64, i64, i64, bool, bool, bool>;

/** The CPU engine and the primitive cache (behind one mutex; primitives are shared, streams are per thread). */
struct OneDnn {
  dnnl_engine_t engine = nullptr;
  std::map<Key, Matmul> cache;
  std::mutex m;
};

OneDnn& onednn() {
  static OneDnn* o = [] {
    auto* x = new OneDnn();
    check(dnnl_engine_create(&x->engine, dnnl_cpu, 0), "engine creation");
    return x;
  }();
  return *o;
}

/** The matmul primitive descriptor for C (f32, row stride ldc) = op(A) op(B), operands f32 or bf16. */
dnnl_primitive_desc_t matmul_desc(OneDnn& o, Matmul& mm, bool ta, bool tb, i64 m, i64 n, i64 k, i64 lda, i64 ldb,
                                  i64 ldc, bool bf16) {
  const dnnl_data_type_t in = bf16 ? dnnl_bf16 : dnnl_f32;
  dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
  dnnl_dims_t as = {ta ? 1 : lda, ta ? lda : 1}, bs = {tb ? 1 : ldb, tb ? ldb : 1}, cs = {ldc, 1};
  check(dnnl_memory_desc_init_by_strides(&mm.a, 2, ad, in, as), "memory descriptor");
  check(dnnl_memory_desc_init_by_strides(&mm.b, 2, bd, in, bs), "memory descriptor");
  check(dnnl_memory_desc_init_by_strides(&mm.c, 2, cd, dnnl_f32, cs), "memory descriptor");
  dnnl_matmul_desc_t desc;
  check(dnnl_matmul_desc_init(&desc, &mm.a, &mm.b, nullptr, &mm.c), "matmul descriptor");
  dnnl_primitive_attr_t attr;
  check(dnnl_primitive_attr_create(&attr), "attribute creation");
  const dnnl_status_t user = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
  dnnl_primitive_desc_t pd = nullptr;
  const dnnl_status_t made =
      user == dnnl_success ? dnnl_primitive_desc_create(&pd, &desc, attr, o.engine, nullptr) : user;
  dnnl_primitive_attr_destroy(attr);
  check(made, "matmul primitive descriptor");
  const dnnl_memory_desc_t* scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  if (scratch != nullptr) mm.scratch = *scratch;
  mm.scratchBytes = dnnl_memory_desc_get_size(&mm.scratch);
  return pd;
}

/**
 * The cached primitive for one tile shape. Created on a thread whose OpenMP team is 1
 * thread, so oneDNN plans it single-threaded (its blocking depends on the thread count).
 */
const Matmul& matmul(bool ta, bool tb, i64 m, i64 n, i64 k, i64 lda, i64 ldb, i64 ldc, bool bf16) {
  OneDnn& o = onednn();
  std::lock_guard<std::mutex> lock(o.m);
  const Key key = std::make_tuple(m, n, k, lda, ldb, ldc, ta, tb, bf16);
  const auto it = o.cache.find(key);
  if (it != o.cache.end()) return it->second;
  Matmul mm;
  dnnl_primitive_desc_t pd = matmul_desc(o, mm, ta, tb, m, n, k, lda, ldb, ldc, bf16);
  const dnnl_status_t made = dnnl_primitive_create(&mm.primitive, pd);
  dnnl_primitive_desc_destroy(pd);
  check(made, "matmul primitive creation");
  return o.cache.emplace(key, mm).first->second;
}

/** Whether oneDNN runs bf16 matmuls with bf16 dot-product instructions here (not emulated or reference). */
bool native_bf16() {
  static const bool yes = [] {
    try {
      OneDnn& o = onednn();
      std::lock_guard<std::mutex> lock(o.m);
      Matmul mm;
      dnnl_primitive_desc_t pd = matmul_desc(o, mm, false, true, 64, 64, 64, 64, 64, 64, true);
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

/** The calling thread's stream on the shared engine. */
dnnl_stream_t thread_stream() {
  struct Stream {
    dnnl_stream_t s = nullptr;
    ~Stream() {
      if (s != nullptr) dnnl_stream_destroy(s);
    }
  };
  thread_local Stream st;
  if (st.s == nullptr) check(dnnl_stream_create(&st.s, onednn().engine, dnnl_stream_default_flags), "stream creation");
  return st.s;
}

/** The calling thread's scratchpad, grown to at least `bytes`. */
void* thread_scratchpad(size_t bytes) {
  thread_local std::unique_ptr<std::uint8_t[]> buf;
  thread_local size_t cap = 0;
  if (cap < bytes) {
    buf.reset(new std::uint8_t[bytes + 64]);
    cap = bytes;
  }
  return buf.get();
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
  const GemmChoice choice = cpu_route().gemm;
  if (choice == GemmChoice::OpenBlas) return GemmLibrary::OpenBlas;
  if (choice == GemmChoice::OneDnn)
    return bf16 && native_bf16() ? GemmLibrary::OneDnnBf16Matmul : GemmLibrary::OneDnnMatmul;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (alpha != 1.0f || beta != 0.0f) return GemmLibrary::OpenBlas;
  if (bf16) return work >= 16777216.0 && native_bf16() ? GemmLibrary::OneDnnBf16Matmul : GemmLibrary::OpenBlas;
  if (work < 67108864.0 || (transA && transB) || (!transB && work >= 2147483648.0)) return GemmLibrary::OpenBlas;
  return GemmLibrary::OneDnnMatmul;
}

void onednn_tile(GemmLibrary lib, bool transA, bool transB, i64 m, i64 n, i64 k, const void* a, i64 lda, const void* b,
                 i64 ldb, float* c, i64 ldc) {
  const bool bf16 = lib == GemmLibrary::OneDnnBf16Matmul;
  const Matmul& mm = matmul(transA, transB, m, n, k, lda, ldb, ldc, bf16);
  const dnnl_engine_t engine = onednn().engine;
  Memory ma(mm.a, engine, a), mb(mm.b, engine, b), mc(mm.c, engine, c);
  Memory ms(mm.scratch, engine, mm.scratchBytes > 0 ? thread_scratchpad(mm.scratchBytes) : nullptr);
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, ma.handle},
                             {DNNL_ARG_WEIGHTS, mb.handle},
                             {DNNL_ARG_DST, mc.handle},
                             {DNNL_ARG_SCRATCHPAD, ms.handle}};
  const dnnl_stream_t stream = thread_stream();
  check(dnnl_primitive_execute(mm.primitive, stream, 4, args), "matmul execution");
  check(dnnl_stream_wait(stream), "stream wait");
}

void onednn_apply_route() {
  const CpuRoute& r = cpu_route();
  // A forced level caps oneDNN (ahead of a user's ONEDNN_MAX_CPU_ISA, which oneDNN reads only later, on first use).
  if (!r.isaForced) return;
  const dnnl_cpu_isa_t isa = r.isa == IsaLevel::Portable ? dnnl_cpu_isa_sse41
                             : r.isa == IsaLevel::Avx2   ? dnnl_cpu_isa_avx2
                                                         : dnnl_cpu_isa_avx512_core_bf16;
  check(dnnl_set_max_cpu_isa(isa), "ISA ceiling");
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

std::string onednn_isa() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41:
      return "sse41";
    case dnnl_cpu_isa_avx:
      return "avx";
    case dnnl_cpu_isa_avx2:
      return "avx2";
    case dnnl_cpu_isa_avx2_vnni:
      return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core:
      return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

#else

GemmLibrary gemm_library(bool, bool, i64, i64, i64, float, float, bool) {
  cpu_route();
  return GemmLibrary::OpenBlas;
}

void onednn_tile(GemmLibrary, bool, bool, i64, i64, i64, const void*, i64, const void*, i64, float*, i64) {
  throw KernelError(ErrorKind::Generic, "gemm: this build has no oneDNN");
}

void onednn_apply_route() {}

std::string onednn_version() { return ""; }

std::string onednn_isa() { return ""; }

#endif

}  // namespace dlrm
