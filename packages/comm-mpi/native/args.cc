// Implementation of the collectives' argument checks (see args.h). Nothing here dereferences
// a buffer: the checks read only the typed arrays' metadata and the counts' JS values, so a
// wrong argument is a JS TypeError or RangeError, never a crash or an MPI error.
#include "args.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <string>

namespace dlrm_mpi {
namespace {

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array:
        return "an Int8Array";
      case napi_uint8_array:
        return "a Uint8Array";
      case napi_uint8_clamped_array:
        return "a Uint8ClampedArray";
      case napi_int16_array:
        return "an Int16Array";
      case napi_uint16_array:
        return "a Uint16Array";
      case napi_int32_array:
        return "an Int32Array";
      case napi_uint32_array:
        return "a Uint32Array";
      case napi_float32_array:
        return "a Float32Array";
      case napi_float64_array:
        return "a Float64Array";
      case napi_bigint64_array:
        return "a BigInt64Array";
      case napi_biguint64_array:
        return "a BigUint64Array";
      default:
        return "a typed array";
    }
  }
  if (v.IsArray()) return "an Array";
  if (v.IsArrayBuffer()) return "an ArrayBuffer";
  if (v.IsBuffer()) return "a Buffer";
  if (v.IsNumber()) return "the number " + v.ToString().Utf8Value();
  if (v.IsString()) return "a string";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

[[noreturn]] void type_error(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }
[[noreturn]] void range_error(Napi::Env env, const std::string& message) { throw Napi::RangeError::New(env, message); }

}  // namespace

BufferArg buffer_arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Env env = info.Env();
  Napi::Value v = info[index];
  if (!v.IsTypedArray()) {
    type_error(env, std::string(name) + ": expected a Float32Array, Float64Array, Int32Array or Uint8Array, got " +
                        describe(v));
  }
  napi_typedarray_type kind;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  size_t byte_offset = 0;
  if (napi_get_typedarray_info(env, v, &kind, &length, &data, &buffer, &byte_offset) != napi_ok) {
    type_error(env, std::string(name) + ": could not read the typed array");
  }
  BufferArg out;
  out.object = v.As<Napi::Object>();
  out.kind = kind;
  switch (kind) {
    case napi_float32_array:
      out.type = MPI_FLOAT, out.elem_size = 4, out.type_name = "Float32Array";
      break;
    case napi_float64_array:
      out.type = MPI_DOUBLE, out.elem_size = 8, out.type_name = "Float64Array";
      break;
    case napi_int32_array:
      out.type = MPI_INT, out.elem_size = 4, out.type_name = "Int32Array";
      break;
    case napi_uint8_array:
      out.type = MPI_BYTE, out.elem_size = 1, out.type_name = "Uint8Array";
      break;
    default:
      type_error(env, std::string(name) + ": expected a Float32Array, Float64Array, Int32Array or Uint8Array, got " +
                          describe(v));
  }
  bool is_array_buffer = false;
  if (napi_is_arraybuffer(env, buffer, &is_array_buffer) == napi_ok && is_array_buffer) {
    bool detached = false;
    if (napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok || detached) {
      type_error(env, std::string(name) + ": the " + out.type_name +
                          "'s ArrayBuffer is detached (transferred or freed); pass a live buffer");
    }
  }
  if (length > 0 && data == nullptr) type_error(env, std::string(name) + ": the typed array has no memory");
  out.data = data;
  out.length = length;
  return out;
}

void require_same_type(Napi::Env env, const BufferArg& a, const BufferArg& b, const char* what) {
  if (a.kind != b.kind) {
    type_error(env, std::string(what) + " must have the same element type, got " + a.type_name + " and " + b.type_name);
  }
}

void require_disjoint(Napi::Env env, const BufferArg& a, const BufferArg& b, const char* what) {
  if (a.length == 0 || b.length == 0) return;
  auto a0 = reinterpret_cast<uintptr_t>(a.data), b0 = reinterpret_cast<uintptr_t>(b.data);
  uintptr_t a1 = a0 + a.length * a.elem_size, b1 = b0 + b.length * b.elem_size;
  if (a0 < b1 && b0 < a1) range_error(env, std::string(what) + " must not overlap (they share memory)");
}

CountsArg counts_arg(const Napi::CallbackInfo& info, size_t index, const char* name, int world_size) {
  Napi::Env env = info.Env();
  Napi::Value v = info[index];
  if (!v.IsArray()) {
    type_error(env, std::string(name) + ": expected an Array of " + std::to_string(world_size) +
                        " counts (one per rank), got " + describe(v));
  }
  Napi::Array array = v.As<Napi::Array>();
  uint32_t n = array.Length();
  if (n != static_cast<uint32_t>(world_size)) {
    range_error(env, std::string(name) + ": expected " + std::to_string(world_size) + " counts (one per rank), got " +
                         std::to_string(n));
  }
  CountsArg out;
  out.counts.resize(n);
  out.displs.resize(n);
  uint64_t at = 0;
  for (uint32_t s = 0; s < n; s++) {
    Napi::Value e = array.Get(s);
    std::string where = std::string(name) + "[" + std::to_string(s) + "]";
    if (!e.IsNumber()) type_error(env, where + ": expected a non-negative integer, got " + describe(e));
    double d = e.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d) {
      type_error(env, where + ": expected a non-negative integer, got " + e.ToString().Utf8Value());
    }
    if (d < 0) range_error(env, where + ": expected a non-negative integer, got " + e.ToString().Utf8Value());
    if (d > static_cast<double>(INT_MAX)) {
      range_error(env, where + ": " + e.ToString().Utf8Value() +
                           " elements is more than MPI's int counts allow (2147483647); split the collective");
    }
    out.counts[s] = static_cast<int>(d);
    if (at > static_cast<uint64_t>(INT_MAX)) {
      range_error(env, std::string(name) +
                           ": counts add up to more than 2147483647 elements, more than MPI's int "
                           "displacements allow; split the collective");
    }
    out.displs[s] = static_cast<int>(at);
    at += static_cast<uint64_t>(out.counts[s]);
  }
  if (at > static_cast<uint64_t>(INT_MAX)) {
    range_error(env, std::string(name) + ": counts add up to " + std::to_string(at) +
                         " elements, more than MPI's int counts allow (2147483647); split the collective");
  }
  out.total = static_cast<size_t>(at);
  return out;
}

void require_fits(Napi::Env env, const CountsArg& counts, const char* name, size_t buffer_length,
                  const char* buffer_name) {
  if (counts.total > buffer_length) {
    range_error(env, std::string(name) + ": counts add up to " + std::to_string(counts.total) + " elements, " +
                         buffer_name + " holds " + std::to_string(buffer_length));
  }
}

int root_arg(const Napi::CallbackInfo& info, size_t index, const char* name, int world_size) {
  Napi::Env env = info.Env();
  Napi::Value v = info[index];
  if (!v.IsNumber()) type_error(env, std::string(name) + ": expected an integer rank, got " + describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) {
    type_error(env, std::string(name) + ": expected an integer rank, got " + v.ToString().Utf8Value());
  }
  if (d < 0 || d >= world_size) {
    range_error(env, std::string(name) + ": expected a rank in [0, " + std::to_string(world_size) + "), got " +
                         v.ToString().Utf8Value());
  }
  return static_cast<int>(d);
}

void* nonnull(void* data) {
  static unsigned char dummy[8];
  return data != nullptr ? data : dummy;
}

}  // namespace dlrm_mpi
