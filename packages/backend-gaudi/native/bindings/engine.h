// The native engine behind one GaudiBackend: a table of tensors (id -> Buffer), the op
// bindings, and the execution modes. Eager ops run on the calling thread; lazy ops are
// validated when recorded and queued, and `markStep` hands the queued step to the
// engine's StepRunner thread, which runs steps off the JavaScript thread, in order.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer.h"
#include "errors.h"
#include "ops.h"
#include "step_runner.h"

namespace dlrm {

class Engine : public Napi::ObjectWrap<Engine> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Engine(const Napi::CallbackInfo& info);
  ~Engine() override;

  /** Throws a JS Error when the engine was disposed. */
  void check_alive(const std::string& op) const;
  /** The live buffer with this id, or null. */
  BufferPtr lookup(i64 id) const;
  /** Runs `cmd` now (eager) or queues it for the next step (lazy). */
  void submit(Napi::Env env, Command cmd);
  /** On the JS thread, after the runner drained its queue: settles sync waiters. */
  void on_idle(Napi::Env env);

 private:
  Napi::Value Alloc(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value MarkStep(const Napi::CallbackInfo& info);
  Napi::Value Sync(const Napi::CallbackInfo& info);
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // One method per op of DLRM_OPS (ops.h), named as the op; each runs dispatch with its body.
#define DLRM_DECLARE_OP_METHOD(name) Napi::Value name(const Napi::CallbackInfo& info);
  DLRM_OPS(DLRM_DECLARE_OP_METHOD)
#undef DLRM_DECLARE_OP_METHOD

  /** An op call: checks the engine and the one argument object, then runs `body` (errors become JS errors). */
  Napi::Value dispatch(const Napi::CallbackInfo& info, const char* op, OpBody body);

  /** True while a lazy step is queued or running. */
  bool busy() const { return runner_ && runner_->busy(); }
  /** Lets the process exit while no sync() is waiting. */
  void unref_idle(Napi::Env env);
  /** Throws (and clears) an error left by a finished lazy step. */
  void raise_stored(Napi::Env env);

  bool lazy_ = false;
  bool disposed_ = false;
  bool held_ = false;
  i64 next_id_ = 1;
  i64 submissions_ = 0;
  i64 recorded_ = 0;
  std::unordered_map<i64, BufferPtr> tensors_;
  std::vector<Command> pending_;
  std::vector<Napi::Promise::Deferred> waiters_;
  /** Idle notifications sent by the runner and not yet handled on the JS thread. */
  std::shared_ptr<std::atomic<int>> notices_ = std::make_shared<std::atomic<int>>(0);
  /** Cleared by the destructor so that a late notification never touches a dead engine. */
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  /** The runner's way back to the JS thread; `open` is false once the function is released or finalized. */
  struct IdleLink {
    std::mutex m;
    bool open = false;
    Napi::ThreadSafeFunction fn;
  };
  std::shared_ptr<IdleLink> link_ = std::make_shared<IdleLink>();
  std::unique_ptr<StepRunner> runner_;
};

}  // namespace dlrm
