// Reading and validating one binding call's arguments before any memory is touched:
// the single named-argument object, sizes (integers in [0, 2^31 - 1]), numbers, flags,
// string choices, tensor ids (live, right dtype, big enough) and typed arrays (kind,
// detached buffers). Every failure is a TypeError or RangeError naming the argument.
#pragma once

#include <napi.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "buffer.h"

namespace dlrm {

class Engine;

/** i64 product that saturates at 2^62 (every factor is a checked size <= 2^31 - 1). */
i64 prod(std::initializer_list<i64> factors);

/** Message prefix `op: argument "name"`. */
std::string arg_name(const std::string& op, const std::string& name);

/** Checks `v` is an integer-valued number in [0, max]; TypeError / RangeError naming it. */
i64 check_size(const std::string& op, const std::string& name, const Napi::Value& v, i64 max = 2147483647);

/** A typed array of the given kind, not detached; TypeError naming it otherwise. */
Napi::TypedArray check_typed_array(const std::string& op, const std::string& name, const Napi::Value& v,
                                   napi_typedarray_type kind, const char* kindName);

/** The first element of a validated typed array (byte offset applied; works for shared memory too). */
void* typed_data(const Napi::TypedArray& ta);

/** Reads the fields of an op's single argument object. */
class Args {
 public:
  /** Checks there is exactly one argument and that it is a plain object. */
  Args(const Napi::CallbackInfo& info, const std::string& op, Engine* engine);

  const std::string& op() const { return op_; }
  Napi::Env env() const { return obj_.Env(); }
  bool has(const char* name) const;
  /** The raw value of field `name` (undefined when absent), for checks of its own. */
  Napi::Value value(const char* name) const { return get(name); }

  i64 size(const char* name);
  double number(const char* name);
  bool flag(const char* name);
  /** One of `choices`; returns its index. Optional when `fallback` >= 0. */
  int choice(const char* name, std::initializer_list<const char*> choices, int fallback = -1);

  /** A live tensor of dtype `want` with at least `minSize` elements. */
  BufferPtr tensor(const char* name, DType want, i64 minSize);
  /** A live tensor read from `value`, named `name` in errors. */
  BufferPtr tensor_value(const std::string& name, const Napi::Value& value, DType want, i64 minSize);
  /** An array of live f32 tensors; `count` >= 0 requires that length. */
  std::vector<BufferPtr> tensors(const char* name, i64 count);
  /** The sparse batch object's tensor (i32), named sparse.<field>. */
  BufferPtr sparse(const char* field, i64 minSize);

 private:
  Napi::Value get(const char* name) const;

  std::string op_;
  Napi::Object obj_;
  Engine* engine_;
};

}  // namespace dlrm
