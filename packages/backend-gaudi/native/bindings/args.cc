// Argument validation for the bindings (see args.h).
#include "args.h"

#include <cmath>

#include "../kernels/common.h"
#include "engine.h"
#include "errors.h"

namespace dlrm {

i64 prod(std::initializer_list<i64> factors) {
  const i64 cap = i64{1} << 62;
  i64 p = 1;
  for (i64 f : factors) {
    if (f == 0) return 0;
  }
  for (i64 f : factors) {
    if (p > cap / f) return cap;
    p *= f;
  }
  return p;
}

std::string arg_name(const std::string& op, const std::string& name) { return op + ": argument \"" + name + "\""; }

namespace {

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsString()) return "a string";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsArray()) return "a plain array";
  if (v.IsTypedArray()) return "a typed array";
  if (v.IsFunction()) return "a function";
  if (v.IsNumber()) return "the number " + std::to_string(v.As<Napi::Number>().DoubleValue());
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

}  // namespace

i64 check_size(const std::string& op, const std::string& name, const Napi::Value& v, i64 max) {
  if (!v.IsNumber()) throw_js(v.Env(), ErrorKind::Type, arg_name(op, name) + " must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d < 0 || d != std::floor(d) || d > static_cast<double>(max)) {
    std::string shown = std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : std::to_string(d);
    throw_js(v.Env(), ErrorKind::Range,
             arg_name(op, name) + " must be an integer in [0, " + std::to_string(max) + "], got " + shown);
  }
  return static_cast<i64>(d);
}

Napi::TypedArray check_typed_array(const std::string& op, const std::string& name, const Napi::Value& v,
                                   napi_typedarray_type kind, const char* kindName) {
  if (!v.IsTypedArray()) {
    throw_js(v.Env(), ErrorKind::Type, arg_name(op, name) + " must be a " + kindName + ", got " + describe(v));
  }
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != kind) {
    throw_js(v.Env(), ErrorKind::Type,
             arg_name(op, name) + " must be a " + kindName + ", got another typed-array kind");
  }
  if (ta.ArrayBuffer().IsDetached()) {
    throw_js(v.Env(), ErrorKind::Type, arg_name(op, name) + " is a view of a detached ArrayBuffer");
  }
  return ta;
}

void* typed_data(const Napi::TypedArray& ta) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  const napi_status s = napi_get_typedarray_info(ta.Env(), ta, &type, &length, &data, &buffer, &offset);
  if (s != napi_ok) throw_js(ta.Env(), ErrorKind::Type, "typed array: cannot read its memory");
  return data;
}

Args::Args(const Napi::CallbackInfo& info, const std::string& op, Engine* engine) : op_(op), engine_(engine) {
  if (info.Length() != 1) {
    throw_js(info.Env(), ErrorKind::Type,
             op + ": expected one argument object, got " + std::to_string(info.Length()) + " arguments");
  }
  const Napi::Value v = info[0];
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction()) {
    throw_js(info.Env(), ErrorKind::Type,
             op + ": the argument must be an object of named arguments, got " + describe(v));
  }
  obj_ = v.As<Napi::Object>();
  engine_->check_alive(op);
}

Napi::Value Args::get(const char* name) const { return obj_.Get(name); }

bool Args::has(const char* name) const { return !get(name).IsUndefined(); }

i64 Args::size(const char* name) { return check_size(op_, name, get(name)); }

double Args::number(const char* name) {
  const Napi::Value v = get(name);
  if (!v.IsNumber()) throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be a number, got NaN");
  return d;
}

bool Args::flag(const char* name) {
  const Napi::Value v = get(name);
  if (!v.IsBoolean()) throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be a boolean, got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

int Args::choice(const char* name, std::initializer_list<const char*> choices, int fallback) {
  const Napi::Value v = get(name);
  std::string list;
  for (const char* c : choices) list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
  if (v.IsUndefined() && fallback >= 0) return fallback;
  if (!v.IsString())
    throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be one of " + list + ", got " + describe(v));
  const std::string s = v.As<Napi::String>().Utf8Value();
  int i = 0;
  for (const char* c : choices) {
    if (s == c) return i;
    i++;
  }
  throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be one of " + list + ", got \"" + s + "\"");
}

BufferPtr Args::tensor_value(const std::string& name, const Napi::Value& v, DType want, i64 minSize) {
  if (!v.IsNumber()) {
    throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be a tensor id (number), got " + describe(v));
  }
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d != std::floor(d) || d > 9007199254740991.0) {
    throw_js(env(), ErrorKind::Range, arg_name(op_, name) + " is not a valid tensor id");
  }
  BufferPtr b = engine_->lookup(static_cast<i64>(d));
  if (!b) {
    throw_js(env(), ErrorKind::Generic,
             arg_name(op_, name) + " (tensor #" + std::to_string(static_cast<i64>(d)) +
                 ") was freed or never allocated here");
  }
  if (b->dtype != want) {
    throw_js(env(), ErrorKind::Type,
             arg_name(op_, name) + " must be " + (want == DType::F32 ? "f32" : "i32") + ", got " +
                 (b->dtype == DType::F32 ? "f32" : "i32"));
  }
  if (b->size < minSize) {
    throw_js(env(), ErrorKind::Range,
             arg_name(op_, name) + " has " + std::to_string(b->size) + " elements, needs at least " +
                 std::to_string(minSize));
  }
  return b;
}

BufferPtr Args::tensor(const char* name, DType want, i64 minSize) {
  return tensor_value(name, get(name), want, minSize);
}

std::vector<BufferPtr> Args::tensors(const char* name, i64 count) {
  const Napi::Value v = get(name);
  if (!v.IsArray())
    throw_js(env(), ErrorKind::Type, arg_name(op_, name) + " must be an array of tensor ids, got " + describe(v));
  Napi::Array arr = v.As<Napi::Array>();
  const i64 n = arr.Length();
  if (count >= 0 && n != count) {
    throw_js(env(), ErrorKind::Range,
             arg_name(op_, name) + " has " + std::to_string(n) + " tensors, numTables is " + std::to_string(count));
  }
  if (n > 65536)
    throw_js(env(), ErrorKind::Range, arg_name(op_, name) + " has too many tensors (" + std::to_string(n) + ")");
  std::vector<BufferPtr> out;
  out.reserve(static_cast<size_t>(n));
  for (i64 i = 0; i < n; i++) {
    out.push_back(tensor_value(std::string(name) + "[" + std::to_string(i) + "]", arr.Get(static_cast<uint32_t>(i)),
                               DType::F32, 0));
  }
  return out;
}

BufferPtr Args::sparse(const char* field, i64 minSize) {
  const Napi::Value s = get("sparse");
  if (!s.IsObject() || s.IsArray()) {
    throw_js(env(), ErrorKind::Type, arg_name(op_, "sparse") + " must be an object of tensor ids, got " + describe(s));
  }
  return tensor_value(std::string("sparse.") + field, s.As<Napi::Object>().Get(field), DType::I32, minSize);
}

}  // namespace dlrm
