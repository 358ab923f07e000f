// Engine memory calls and modes (see engine.h). A lazy step is a vector of Commands run
// on the engine's StepRunner thread; each Command holds shared_ptrs to its buffers, and the
// engine's JS object is held (ObjectWrap::Ref) while steps are queued, so nothing a step
// uses can be collected or freed before it finishes, and every sync() promise settles.
#include "engine.h"

#include <cstring>

#include "../kernels/kernels.h"
#include "args.h"

namespace dlrm {
Napi::Function Engine::Define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {InstanceMethod<&Engine::Alloc>("alloc"), InstanceMethod<&Engine::Free>("free"),
                      InstanceMethod<&Engine::Write>("write"), InstanceMethod<&Engine::Read>("read"),
                      InstanceMethod<&Engine::MarkStep>("markStep"), InstanceMethod<&Engine::Sync>("sync"),
                      InstanceMethod<&Engine::Busy>("busy"), InstanceMethod<&Engine::Stats>("stats"),
                      InstanceMethod<&Engine::Dispose>("dispose"),
#define DLRM_REGISTER_OP(name) InstanceMethod<&Engine::name>(#name),
                      DLRM_OPS(DLRM_REGISTER_OP)
#undef DLRM_REGISTER_OP
                     });
}

#define DLRM_DEFINE_OP_METHOD(name) \
  Napi::Value Engine::name(const Napi::CallbackInfo& info) { return dispatch(info, #name, &ops::name); }
DLRM_OPS(DLRM_DEFINE_OP_METHOD)
#undef DLRM_DEFINE_OP_METHOD

Napi::Value Engine::dispatch(const Napi::CallbackInfo& info, const char* op, OpBody body) {
  return guard(info.Env(), op, [&]() -> Napi::Value {
    Args a(info, op, this);
    body(*this, a);
    return info.Env().Undefined();
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
    if (lazy_) {
      auto link = link_;
      link->fn =
          Napi::ThreadSafeFunction::New(info.Env(), Napi::Function::New(info.Env(), [](const Napi::CallbackInfo&) {}),
                                        "dlrm-gaudi-idle", 0, 1, [link](Napi::Env) {
                                          std::lock_guard<std::mutex> lock(link->m);
                                          link->open = false;
                                        });
      link->open = true;
      link->fn.Unref(info.Env());
      auto notices = notices_;
      auto alive = alive_;
      Engine* self = this;
      runner_ = std::make_unique<StepRunner>([link, notices, alive, self] {
        std::lock_guard<std::mutex> lock(link->m);
        if (!link->open) return;
        notices->fetch_add(1);
        auto cb = [notices, alive, self](Napi::Env env, Napi::Function, void*) {
          notices->fetch_sub(1);
          if (*alive) self->on_idle(env);
        };
        if (link->fn.NonBlockingCall(static_cast<void*>(nullptr), cb) != napi_ok) notices->fetch_sub(1);
      });
    }
    return 0;
  });
}

Engine::~Engine() {
  *alive_ = false;
  runner_.reset();
  bool open;
  {
    std::lock_guard<std::mutex> lock(link_->m);
    open = link_->open;
    link_->open = false;
  }
  if (open) link_->fn.Release();
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
    if (!info[1].IsString())
      throw_js(info.Env(), ErrorKind::Type, arg_name(op, "dtype") + " must be \"f32\" or \"i32\"");
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
    throw_js(
        info.Env(), ErrorKind::Generic,
        arg_name(op, "t") + " (tensor #" + std::to_string(static_cast<i64>(d)) + ") was freed or never allocated here");
  }
  return b;
}

void expect_count(const Napi::CallbackInfo& info, const std::string& op, size_t n, const char* names) {
  if (info.Length() != n) {
    throw_js(
        info.Env(), ErrorKind::Type,
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

/** write(id, data: Float32Array | Int32Array, offset: number); lazy: copied and queued unless the engine is idle. */
Napi::Value Engine::Write(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "write", [&]() -> Napi::Value {
    check_alive("write");
    expect_count(info, "write", 3, "t, data, offset");
    BufferPtr b = id_arg(this, info, "write", 0);
    const bool f32 = b->dtype == DType::F32;
    Napi::TypedArray ta =
        check_typed_array("write", "data", info[1], f32 ? napi_float32_array : napi_int32_array,
                          f32 ? "Float32Array (the tensor is f32)" : "Int32Array (the tensor is i32)");
    const i64 offset = check_size("write", "offset", info[2]);
    const i64 n = static_cast<i64>(ta.ElementLength());
    if (offset + n > b->size) {
      throw_js(info.Env(), ErrorKind::Range,
               "write: argument \"data\": " + std::to_string(n) + " elements at offset " + std::to_string(offset) +
                   " do not fit a tensor of size " + std::to_string(b->size));
    }
    const auto* src = static_cast<const std::uint8_t*>(typed_data(ta));
    if (!lazy_ || (pending_.empty() && !busy())) {
      // Nothing is recorded or running, so writing now keeps the order and saves a copy
      // (initial weights of a large model would otherwise be held twice until the first step).
      if (n > 0) std::memcpy(static_cast<std::uint8_t*>(b->data) + offset * 4, src, static_cast<size_t>(n) * 4);
      return info.Env().Undefined();
    }
    auto copy = std::make_shared<std::vector<std::uint8_t>>(src, src + n * 4);
    submit(info.Env(), {"write", [b, copy, offset] {
                          if (!copy->empty())
                            std::memcpy(static_cast<std::uint8_t*>(b->data) + offset * 4, copy->data(), copy->size());
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
    Napi::TypedArray ta =
        check_typed_array("read", "out", info[1], f32 ? napi_float32_array : napi_int32_array,
                          f32 ? "Float32Array (the tensor is f32)" : "Int32Array (the tensor is i32)");
    if (static_cast<i64>(ta.ElementLength()) != b->size) {
      throw_js(info.Env(), ErrorKind::Range,
               "read: argument \"out\" has " + std::to_string(ta.ElementLength()) + " elements, the tensor has " +
                   std::to_string(b->size));
    }
    if (busy()) {
      throw_js(info.Env(), ErrorKind::Generic, "read: a lazy step is still running; await sync() first");
    }
    auto* dst = static_cast<std::uint8_t*>(typed_data(ta));
    if (b->size > 0) std::memcpy(dst, b->data, static_cast<size_t>(b->size) * 4);
    return info.Env().Undefined();
  });
}

/** markStep(): lazy mode queues the recorded ops as one step (one submission). */
Napi::Value Engine::MarkStep(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "markStep", [&]() -> Napi::Value {
    check_alive("markStep");
    if (runner_ && !runner_->busy()) raise_stored(info.Env());
    if (pending_.empty()) return info.Env().Undefined();
    if (!held_) {
      Ref();
      held_ = true;
    }
    runner_->submit(std::move(pending_));
    pending_.clear();
    submissions_++;
    return info.Env().Undefined();
  });
}

void Engine::raise_stored(Napi::Env env) {
  std::optional<CapturedError> e = runner_->take_error();
  if (e) throw_js(env, e->kind, e->message);
}

void Engine::unref_idle(Napi::Env env) {
  std::lock_guard<std::mutex> lock(link_->m);
  if (link_->open) link_->fn.Unref(env);
}

void Engine::on_idle(Napi::Env env) {
  Napi::HandleScope scope(env);
  if (busy()) return;
  std::vector<Napi::Promise::Deferred> waiters;
  waiters.swap(waiters_);
  std::optional<CapturedError> err;
  if (!waiters.empty()) err = runner_->take_error();
  for (auto& d : waiters) {
    if (err)
      d.Reject(make_error(env, err->kind, err->message).Value());
    else
      d.Resolve(env.Undefined());
  }
  if (waiters_.empty()) unref_idle(env);
  if (held_ && notices_->load() == 0) {
    held_ = false;
    Unref();
  }
}

/** sync(): a promise settled when every submitted step has run (rejected with a step's error). */
Napi::Value Engine::Sync(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "sync", [&]() -> Napi::Value {
    auto d = Napi::Promise::Deferred::New(info.Env());
    if (!busy()) {
      std::optional<CapturedError> e = runner_ ? runner_->take_error() : std::nullopt;
      if (e)
        d.Reject(make_error(info.Env(), e->kind, e->message).Value());
      else
        d.Resolve(info.Env().Undefined());
    } else {
      waiters_.push_back(d);
      std::lock_guard<std::mutex> lock(link_->m);
      if (link_->open) link_->fn.Ref(info.Env());
    }
    return d.Promise();
  });
}

Napi::Value Engine::Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy()); }

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
