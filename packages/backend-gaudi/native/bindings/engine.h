// The native engine behind one GaudiBackend: a table of tensors (id -> Buffer), the op
// bindings, and the execution modes. Eager ops run on the calling thread; lazy ops are
// validated when recorded and queued, and `markStep` hands the queued step to a napi
// AsyncWorker that runs it off the JavaScript thread, one step at a time, in order.
#pragma once

#include <napi.h>

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer.h"
#include "errors.h"

namespace dlrm {

/** One recorded op: its name (for errors) and the work, holding its buffers alive. */
struct Command {
  std::string op;
  std::function<void()> run;
};

class Engine : public Napi::ObjectWrap<Engine> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Engine(const Napi::CallbackInfo& info);

  /** Throws a JS Error when the engine was disposed. */
  void check_alive(const std::string& op) const;
  /** The live buffer with this id, or null. */
  BufferPtr lookup(i64 id) const;
  /** Runs `cmd` now (eager) or queues it for the next step (lazy). */
  void submit(Napi::Env env, Command cmd);
  /** Called on the JS thread when a step's worker finishes. */
  void step_done(Napi::Env env, std::optional<CapturedError> error);

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

  Napi::Value Gemm(const Napi::CallbackInfo& info);
  Napi::Value LinearForward(const Napi::CallbackInfo& info);
  Napi::Value BiasAddForward(const Napi::CallbackInfo& info);
  Napi::Value BiasAddBackward(const Napi::CallbackInfo& info);
  Napi::Value ReluForward(const Napi::CallbackInfo& info);
  Napi::Value ReluBackward(const Napi::CallbackInfo& info);
  Napi::Value EmbeddingBagsForward(const Napi::CallbackInfo& info);
  Napi::Value EmbeddingBagsBackward(const Napi::CallbackInfo& info);
  Napi::Value EmbeddingBagsBackwardSparseStep(const Napi::CallbackInfo& info);
  Napi::Value SparseSgdStep(const Napi::CallbackInfo& info);
  Napi::Value SparseAdagradStep(const Napi::CallbackInfo& info);
  Napi::Value InteractionForward(const Napi::CallbackInfo& info);
  Napi::Value InteractionBackward(const Napi::CallbackInfo& info);
  Napi::Value LossForward(const Napi::CallbackInfo& info);
  Napi::Value LossBackward(const Napi::CallbackInfo& info);
  Napi::Value SgdStep(const Napi::CallbackInfo& info);
  Napi::Value AdagradStep(const Napi::CallbackInfo& info);
  Napi::Value FusedAdagradStep(const Napi::CallbackInfo& info);
  Napi::Value Fill(const Napi::CallbackInfo& info);

  /** Starts the next queued step when none is running; settles sync waiters when idle. */
  void pump(Napi::Env env);
  /** Throws (and clears) an error left by a finished lazy step. */
  void raise_stored(Napi::Env env);

  bool lazy_ = false;
  bool disposed_ = false;
  bool in_flight_ = false;
  i64 next_id_ = 1;
  i64 submissions_ = 0;
  i64 recorded_ = 0;
  std::unordered_map<i64, BufferPtr> tensors_;
  std::vector<Command> pending_;
  std::deque<std::vector<Command>> steps_;
  std::vector<Napi::Promise::Deferred> waiters_;
  std::optional<CapturedError> error_;
};

}  // namespace dlrm
