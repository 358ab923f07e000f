// The process's one thread pool: OpenMP's (libgomp). parallel_for and the GEMM tiles run
// their parallel regions on it; OpenBLAS is kept at 1 thread and called inside the tiles,
// so no second pool spins or sleeps beside it (not even the pthreads build's).
// One parallel_for at a time: a caller that finds it busy runs its loop inline, which
// gives the same result.
#include "thread_pool.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace dlrm {
namespace {

int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 64u));
}

std::atomic<int>& thread_count() {
  static std::atomic<int>* n = [] {
    auto* x = new std::atomic<int>(default_threads());
    openblas_set_num_threads(1);
    return x;
  }();
  return *n;
}

/** Set while a parallel_for runs its chunks on the pool. */
std::atomic<bool> busy{false};

thread_local bool tls_inline = false;

}  // namespace

void set_num_threads(int n) {
  const int k = std::max(1, std::min(n, 64));
  thread_count().store(k);
}

int num_threads() { return thread_count().load(); }

void run_inline_on_this_thread(bool yes) { tls_inline = yes; }

void parallel_for(i64 n, i64 grain, const std::function<void(i64, i64)>& fn) {
  if (n <= 0) return;
  const i64 g = std::max<i64>(grain, 1);
  const i64 chunks = std::min<i64>(num_threads(), (n + g - 1) / g);
  const bool small = tls_inline && n < 16 * g;
  if (chunks <= 1 || small || omp_in_parallel() || busy.exchange(true)) {
    fn(0, n);
    return;
  }
  std::exception_ptr error;
  std::mutex error_lock;
#pragma omp parallel num_threads(static_cast <int>(chunks))
  {
    const i64 c = omp_get_thread_num();
    const i64 parts = omp_get_num_threads();
    // A team smaller than asked for (the runtime may give fewer threads) still covers [0, n).
    for (i64 part = c; part < chunks; part += parts) {
      try {
        fn(n * part / chunks, n * (part + 1) / chunks);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_lock);
        if (!error) error = std::current_exception();
      }
    }
  }
  busy.store(false);
  if (error) std::rethrow_exception(error);
}

/** Sets the calling thread's OpenMP team size to 1 for its lifetime, then restores it. */
struct SingleThreadedLibraries {
  int saved = omp_get_max_threads();
  SingleThreadedLibraries() { omp_set_num_threads(1); }
  ~SingleThreadedLibraries() { omp_set_num_threads(saved); }
};

void parallel_tiles(i64 count, const std::function<void(i64)>& fn) {
  if (count <= 0) return;
  const i64 chunks = std::min<i64>(num_threads(), count);
  if (chunks <= 1 || omp_in_parallel() || busy.exchange(true)) {
    SingleThreadedLibraries one;
    for (i64 i = 0; i < count; i++) fn(i);
    return;
  }
  std::exception_ptr error;
  std::mutex error_lock;
  // Tiles are taken in turn from a shared counter: a thread that starts late (a worker
  // still waking) takes fewer. Which thread runs a tile never changes its result.
  std::atomic<i64> next{0};
#pragma omp parallel num_threads(static_cast <int>(chunks))
  {
    SingleThreadedLibraries one;
    for (i64 i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_lock);
        if (!error) error = std::current_exception();
      }
    }
  }
  busy.store(false);
  if (error) std::rethrow_exception(error);
}

}  // namespace dlrm
