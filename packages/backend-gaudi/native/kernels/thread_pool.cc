// The process-wide worker pool behind parallel_for: N-1 persistent threads that sleep
// on a condition variable between jobs (no spinning, so they do not fight OpenBLAS's
// threads for the cores), plus the calling thread. One job at a time; a caller that
// finds the pool busy runs its loop inline, which gives the same result.
#include "thread_pool.h"

#include <cblas.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace dlrm {
namespace {

class Pool {
 public:
  explicit Pool(int n) { start(n); }
  ~Pool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> use(use_);
    stop();
    start(n);
  }

  void run(i64 n, i64 grain, const std::function<void(i64, i64)>& fn) {
    if (n <= 0) return;
    const i64 g = std::max<i64>(grain, 1);
    std::unique_lock<std::mutex> use(use_, std::try_to_lock);
    const i64 chunks = std::min<i64>(size_, (n + g - 1) / g);
    if (!use.owns_lock() || chunks <= 1) {
      fn(0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = &fn;
      jobN_ = n;
      jobChunks_ = chunks;
      pending_ = static_cast<int>(chunks - 1);
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    runChunk(0);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  /** Starts n - 1 workers; they wait for the next job, not the last one (a resize keeps generation_). */
  void start(int n) {
    size_ = std::max(n, 1);
    std::uint64_t current;
    {
      std::lock_guard<std::mutex> lock(m_);
      quit_ = false;
      current = generation_;
    }
    for (int i = 1; i < size_; i++) workers_.emplace_back([this, i, current] { loop(i, current); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(m_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void runChunk(i64 c) {
    const i64 lo = jobN_ * c / jobChunks_;
    const i64 hi = jobN_ * (c + 1) / jobChunks_;
    (*job_)(lo, hi);
  }

  void loop(int index, std::uint64_t seen) {
    for (;;) {
      std::unique_lock<std::mutex> lock(m_);
      wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      if (index >= jobChunks_) continue;
      lock.unlock();
      std::exception_ptr err;
      try {
        runChunk(index);
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      if (err && !error_) error_ = err;
      if (--pending_ == 0) done_.notify_one();
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex use_;
  std::mutex m_;
  std::condition_variable wake_;
  std::condition_variable done_;
  bool quit_ = false;
  std::uint64_t generation_ = 0;
  const std::function<void(i64, i64)>* job_ = nullptr;
  i64 jobN_ = 0;
  i64 jobChunks_ = 1;
  int pending_ = 0;
  std::exception_ptr error_;
};

thread_local bool tls_inline = false;

int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 64u));
}

Pool& pool() {
  static Pool* p = [] {
    const int n = default_threads();
    openblas_set_num_threads(n);
    return new Pool(n);
  }();
  return *p;
}

}  // namespace

void set_num_threads(int n) {
  const int k = std::max(1, std::min(n, 64));
  if (k == pool().size()) return;
  openblas_set_num_threads(k);
  pool().resize(k);
}

int num_threads() { return pool().size(); }

void run_inline_on_this_thread(bool yes) { tls_inline = yes; }

void parallel_for(i64 n, i64 grain, const std::function<void(i64, i64)>& fn) {
  if (tls_inline && n < 16 * std::max<i64>(grain, 1)) {
    if (n > 0) fn(0, n);
    return;
  }
  pool().run(n, grain, fn);
}

}  // namespace dlrm
