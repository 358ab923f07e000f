// The lazy-mode step runner: one native thread per engine that runs queued steps back to
// back, in order, without a round trip through the JavaScript event loop between steps
// (the trainer's loop can run for many steps on microtasks alone). It calls `on_idle`
// from its thread whenever the queue drains; the engine turns that into promise settling.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"

namespace dlrm {

/** One recorded op: its name (for errors) and the work, holding its buffers alive. */
struct Command {
  std::string op;
  std::function<void()> run;
};

class StepRunner {
 public:
  explicit StepRunner(std::function<void()> on_idle);
  /** Stops after the running step (queued ones are dropped) and joins the thread. */
  ~StepRunner();

  /** Queues one step. */
  void submit(std::vector<Command> step);
  /** True while a step is queued or running. */
  bool busy();
  /** The first error of the steps run so far (cleared by taking it). */
  std::optional<CapturedError> take_error();

 private:
  void loop();

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::vector<Command>> queue_;
  bool running_ = false;
  bool quit_ = false;
  std::optional<CapturedError> error_;
  std::function<void()> on_idle_;
  std::thread thread_;
};

}  // namespace dlrm
