// Implementation of the lazy-mode step runner (see step_runner.h). A step stops at its
// first failing op; the error is kept for the next sync/read/markStep; later steps run.
#include "step_runner.h"

#include "../kernels/thread_pool.h"

namespace dlrm {

StepRunner::StepRunner(std::function<void()> on_idle) : on_idle_(std::move(on_idle)) {
  thread_ = std::thread([this] { loop(); });
}

StepRunner::~StepRunner() {
  {
    std::lock_guard<std::mutex> lock(m_);
    quit_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void StepRunner::submit(std::vector<Command> step) {
  {
    std::lock_guard<std::mutex> lock(m_);
    queue_.push_back(std::move(step));
  }
  cv_.notify_one();
}

bool StepRunner::busy() {
  std::lock_guard<std::mutex> lock(m_);
  return running_ || !queue_.empty();
}

std::optional<CapturedError> StepRunner::take_error() {
  std::lock_guard<std::mutex> lock(m_);
  std::optional<CapturedError> e;
  e.swap(error_);
  return e;
}

void StepRunner::loop() {
  run_inline_on_this_thread(true);
  for (;;) {
    std::vector<Command> step;
    {
      std::unique_lock<std::mutex> lock(m_);
      cv_.wait(lock, [&] { return quit_ || !queue_.empty(); });
      if (quit_) return;
      step = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
    }
    std::optional<CapturedError> failed;
    for (Command& c : step) {
      CapturedError err;
      if (!capture(c.op, c.run, err)) {
        failed = err;
        break;
      }
    }
    step.clear();
    bool idle;
    {
      std::lock_guard<std::mutex> lock(m_);
      running_ = false;
      if (failed && !error_) error_ = std::move(failed);
      idle = queue_.empty();
    }
    if (idle) on_idle_();
  }
}

}  // namespace dlrm
