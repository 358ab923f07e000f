// Engine memory calls, modes and the asynchronous step runner (see engine.h). A lazy
// step is a vector of Commands run by StepWorker::Execute on a libuv thread; the worker
// holds a reference to the engine's JS object, and each Command holds shared_ptrs to its
// buffers, so nothing it uses can be collected or freed before it finishes.
#include "engine.h"

#include <cstring>

#include "../kernels/kernels.h"
#include "args.h"

namespace dlrm {
namespace {

class StepWorker : public Napi::AsyncWorker {
 public:
  StepWorker(Napi::Env env, Engine* engine, Napi::Object owner, std::vector<Command> step)
      : Napi::AsyncWorker(env, "dlrm-gaudi-step"), engine_(engine), step_(std::move(step)) {
    owner_ = Napi::Persistent(owner);
  }

  void Execute() override {
    for (Command& c : step_) {
      CapturedError err;
      if (!capture(c.op, c.run, err)) {
        error_ = err;
        break;
      }
    }
  }

  void OnOK() override {
    step_.clear();
    engine_->step_done(Env(), error_);
  }

  void OnError(const Napi::Error& e) override {
    step_.clear();
    engine_->step_done(Env(), CapturedError{ErrorKind::Generic, e.Message()});
  }

 private:
  Engine* engine_;
  Napi::ObjectReference owner_;
  std::vector<Command> step_;
  std::optional<CapturedError> error_;
};

}  // namespace

Napi::Function Engine::Define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {
                         InstanceMethod<&Engine::Alloc>("alloc"),
                         InstanceMethod<&Engine::Free>("free"),
                         InstanceMethod<&Engine::Write>("write"),
                         InstanceMethod<&Engine::Read>("read"),
                         InstanceMethod<&Engine::MarkStep>("markStep"),
                         InstanceMethod<&Engine::Sync>("sync"),
                         InstanceMethod<&Engine::Busy>("busy"),
                         InstanceMethod<&Engine::Stats>("stats"),
                         InstanceMethod<&Engine::Dispose>("dispose"),
                         InstanceMethod<&Engine::Gemm>("gemm"),
                         InstanceMethod<&Engine::LinearForward>("linearForward"),
                         InstanceMethod<&Engine::BiasAddForward>("biasAddForward"),
                         InstanceMethod<&Engine::BiasAddBackward>("biasAddBackward"),
                         InstanceMethod<&Engine::ReluForward>("reluForward"),
                         InstanceMethod<&Engine::ReluBackward>("reluBackward"),
                         InstanceMethod<&Engine::EmbeddingBagsForward>("embeddingBagsForward"),
                         InstanceMethod<&Engine::EmbeddingBagsBackward>("embeddingBagsBackward"),
                         InstanceMethod<&Engine::EmbeddingBagsBackwardSparseStep>("embeddingBagsBackwardSparseStep"),
                         InstanceMethod<&Engine::SparseSgdStep>("sparseSgdStep"),
                         InstanceMethod<&Engine::SparseAdagradStep>("sparseAdagradStep"),
                         InstanceMethod<&Engine::InteractionForward>("interactionForward"),
                         InstanceMethod<&Engine::InteractionBackward>("interactionBackward"),
                         InstanceMethod<&Engine::LossForward>("lossForward"),
                         InstanceMethod<&Engine::LossBackward>("lossBackward"),
                         InstanceMethod<&Engine::SgdStep>("sgdStep"),
                         InstanceMethod<&Engine::AdagradStep>("adagradStep"),
                         InstanceMethod<&Engine::FusedAdagradStep>("fusedAdagradStep"),
                         InstanceMethod<&Engine::Fill>("fill"),
                     });
}

/** new Engine(lazy: boolean) */
Engine::Engine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Engine>(info) {
  guard(info.Env(), "Engine", [&] {
    if (info.Length() != 1) {
      throw_js(info.Env(), ErrorKind::Type,
               "Engine: expected one argument (lazy: boolean), got " + std::to_string(info.Length()) + " arguments");
    }
    if (!info[0].IsBoolean()) throw_js(info.Env(), ErrorKind::Type, "Engine: argument \"lazy\" must be a boolean");
    lazy_ = info[0].As<Napi::Boolean>().Value();
    return 0;
  });
}

void Engine::check_alive(const std::string& op) const {
  if (disposed_) throw_js(Env(), ErrorKind::Generic, op + ": the gaudi backend has been disposed");
}

BufferPtr Engine::lookup(i64 id) const {
  const auto it = tensors_.find(id);
  return it == tensors_.end() ? nullptr : it->second;
}

void Engine::submit(Napi::Env env, Command cmd) {
  if (lazy_) {
    recorded_++;
    pending_.push_back(std::move(cmd));
    return;
  }
  CapturedError err;
  if (!capture(cmd.op, cmd.run, err)) throw_js(env, err.kind, err.message);
}

/** alloc(size: number, dtype: "f32" | "i32", label: string) -> id */
Napi::Value Engine::Alloc(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "alloc", [&]() -> Napi::Value {
    check_alive("alloc");
    if (info.Length() != 3) {
      throw_js(info.Env(), ErrorKind::Type,
               "alloc: expected 3 arguments (size, dtype, label), got " + std::to_string(info.Length()));
    }
    if (!info[2].IsString()) throw_js(info.Env(), ErrorKind::Type, "alloc: argument \"label\" must be a string");
    const std::string label = info[2].As<Napi::String>().Utf8Value();
    const std::string op = "alloc(" + label + ")";
    const i64 size = check_size(op, "size", info[0]);
    if (!info[1].IsString()) throw_js(info.Env(), ErrorKind::Type, arg_name(op, "dtype") + " must be \"f32\" or \"i32\"");
    const std::string dt = info[1].As<Napi::String>().Utf8Value();
    if (dt != "f32" && dt != "i32") {
      throw_js(info.Env(), ErrorKind::Type, arg_name(op, "dtype") + " must be \"f32\" or \"i32\", got \"" + dt + "\"");
    }
    BufferPtr b;
    try {
      b = std::make_shared<Buffer>(size, dt == "f32" ? DType::F32 : DType::I32);
    } catch (const std::bad_alloc&) {
      throw_js(info.Env(), ErrorKind::Range, op + ": cannot allocate " + std::to_string(size * 4) + " bytes");
    }
    const i64 id = next_id_++;
    tensors_.emplace(id, std::move(b));
    return Napi::Number::New(info.Env(), static_cast<double>(id));
  });
}

namespace {

BufferPtr id_arg(Engine* e, const Napi::CallbackInfo& info, const std::string& op, size_t index) {
  const Napi::Value v = info[index];
  if (!v.IsNumber()) throw_js(info.Env(), ErrorKind::Type, arg_name(op, "t") + " must be a tensor id (number)");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d != static_cast<double>(static_cast<i64>(d))) {
    throw_js(info.Env(), ErrorKind::Range, arg_name(op, "t") + " is not a valid tensor id");
  }
  BufferPtr b = e->lookup(static_cast<i64>(d));
  if (!b) {
    throw_js(info.Env(), ErrorKind::Generic,
             arg_name(op, "t") + " (tensor #" + std::to_string(static_cast<i64>(d)) + ") was freed or never allocated here");
  }
  return b;
}

void expect_count(const Napi::CallbackInfo& info, const std::string& op, size_t n, const char* names) {
  if (info.Length() != n) {
    throw_js(info.Env(), ErrorKind::Type,
             op + ": expected " + std::to_string(n) + " arguments (" + names + "), got " + std::to_string(info.Length()));
  }
}

}  // namespace

/** free(id) */
Napi::Value Engine::Free(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "free", [&]() -> Napi::Value {
    check_alive("free");
    expect_count(info, "free", 1, "t");
    id_arg(this, info, "free", 0);
    tensors_.erase(static_cast<i64>(info[0].As<Napi::Number>().DoubleValue()));
    return info.Env().Undefined();
  });
}

/** write(id, data: Float32Array | Int32Array, offset: number) */
Napi::Value Engine::Write(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "write", [&]() -> Napi::Value {
    check_alive("write");
    expect_count(info, "write", 3, "t, data, offset");
    BufferPtr b = id_arg(this, info, "write", 0);
    const bool f32 = b->dtype == DType::F32;
    Napi::TypedArray ta = check_typed_array("write", "data", info[1], f32 ? napi_float32_array : napi_int32_array,
                                            f32 ? "Float32Array (the tensor is f32)" : "Int32Array (the tensor is i32)");
    const i64 offset = check_size("write", "offset", info[2]);
    const i64 n = static_cast<i64>(ta.ElementLength());
    if (offset + n > b->size) {
      throw_js(info.Env(), ErrorKind::Range,
               "write: argument \"data\": " + std::to_string(n) + " elements at offset " + std::to_string(offset) +
                   " do not fit a tensor of size " + std::to_string(b->size));
    }
    const auto* src = static_cast<const std::uint8_t*>(typed_data(ta));
    if (!lazy_) {
      if (n > 0) std::memcpy(static_cast<std::uint8_t*>(b->data) + offset * 4, src, static_cast<size_t>(n) * 4);
      return info.Env().Undefined();
    }
    auto copy = std::make_shared<std::vector<std::uint8_t>>(src, src + n * 4);
    submit(info.Env(), {"write", [b, copy, offset] {
                          if (!copy->empty()) std::memcpy(static_cast<std::uint8_t*>(b->data) + offset * 4, copy->data(), copy->size());
                        }});
    return info.Env().Undefined();
  });
}

/** read(id, out: Float32Array | Int32Array of exactly the tensor's size); throws while a step runs. */
Napi::Value Engine::Read(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "read", [&]() -> Napi::Value {
    check_alive("read");
    expect_count(info, "read", 2, "t, out");
    BufferPtr b = id_arg(this, info, "read", 0);
    const bool f32 = b->dtype == DType::F32;
    Napi::TypedArray ta = check_typed_array("read", "out", info[1], f32 ? napi_float32_array : napi_int32_array,
                                            f32 ? "Float32Array (the tensor is f32)" : "Int32Array (the tensor is i32)");
    if (static_cast<i64>(ta.ElementLength()) != b->size) {
      throw_js(info.Env(), ErrorKind::Range,
               "read: argument \"out\" has " + std::to_string(ta.ElementLength()) + " elements, the tensor has " +
                   std::to_string(b->size));
    }
    if (in_flight_ || !steps_.empty()) {
      throw_js(info.Env(), ErrorKind::Generic, "read: a lazy step is still running; await sync() first");
    }
    auto* dst = static_cast<std::uint8_t*>(typed_data(ta));
    if (b->size > 0) std::memcpy(dst, b->data, static_cast<size_t>(b->size) * 4);
    return info.Env().Undefined();
  });
}

void Engine::raise_stored(Napi::Env env) {
  if (!error_) return;
  const CapturedError e = *error_;
  error_.reset();
  throw_js(env, e.kind, e.message);
}

/** markStep(): lazy mode queues the recorded ops as one step (one submission). */
Napi::Value Engine::MarkStep(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "markStep", [&]() -> Napi::Value {
    check_alive("markStep");
    raise_stored(info.Env());
    if (pending_.empty()) return info.Env().Undefined();
    steps_.push_back(std::move(pending_));
    pending_.clear();
    submissions_++;
    pump(info.Env());
    return info.Env().Undefined();
  });
}

void Engine::pump(Napi::Env env) {
  if (in_flight_) return;
  if (!steps_.empty()) {
    std::vector<Command> step = std::move(steps_.front());
    steps_.pop_front();
    in_flight_ = true;
    auto* worker = new StepWorker(env, this, Value(), std::move(step));
    worker->Queue();
    return;
  }
  std::vector<Napi::Promise::Deferred> waiters;
  waiters.swap(waiters_);
  if (waiters.empty()) return;
  std::optional<CapturedError> err;
  err.swap(error_);
  for (auto& d : waiters) {
    if (err) d.Reject(make_error(env, err->kind, err->message).Value());
    else d.Resolve(env.Undefined());
  }
}

void Engine::step_done(Napi::Env env, std::optional<CapturedError> error) {
  Napi::HandleScope scope(env);
  in_flight_ = false;
  if (error && !error_) error_ = std::move(error);
  pump(env);
}

/** sync(): a promise settled when every submitted step has run (rejected with a step's error). */
Napi::Value Engine::Sync(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "sync", [&]() -> Napi::Value {
    auto d = Napi::Promise::Deferred::New(info.Env());
    if (!in_flight_ && steps_.empty()) {
      if (error_) {
        const CapturedError e = *error_;
        error_.reset();
        d.Reject(make_error(info.Env(), e.kind, e.message).Value());
      } else {
        d.Resolve(info.Env().Undefined());
      }
    } else {
      waiters_.push_back(d);
    }
    return d.Promise();
  });
}

Napi::Value Engine::Busy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), in_flight_ || !steps_.empty());
}

/** stats() -> { submissions, recordedOps, tensors } */
Napi::Value Engine::Stats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("submissions", static_cast<double>(submissions_));
  o.Set("recordedOps", static_cast<double>(recorded_));
  o.Set("tensors", static_cast<double>(tensors_.size()));
  return o;
}

/** dispose(): frees every tensor; queued or running steps keep their own buffers until done. */
Napi::Value Engine::Dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  pending_.clear();
  tensors_.clear();
  return info.Env().Undefined();
}

}  // namespace dlrm
