// Module functions for host preprocessing in C++: validateSparseInput and
// buildSparseBatch (indices: Int32Array, offsets: Int32Array, tableRows: Int32Array,
// batchSize: number), returning new Int32Arrays in the layout of HostSparseBatch.
// Arguments are checked (count, kinds, detached buffers, sizes) before any read.
#include <napi.h>

#include <cstring>

#include "../kernels/sparse_prep.h"
#include "args.h"
#include "errors.h"
#include "prep.h"

namespace dlrm {
namespace {

struct PrepArgs {
  const i32* indices;
  i64 nnz;
  const i32* offsets;
  i64 nOffsets;
  std::vector<i64> rows;
  i64 B;
};

PrepArgs read_args(const Napi::CallbackInfo& info, const std::string& op) {
  if (info.Length() != 4) {
    throw_js(info.Env(), ErrorKind::Type,
             op + ": expected 4 arguments (indices, offsets, tableRows, batchSize), got " + std::to_string(info.Length()));
  }
  Napi::TypedArray ind = check_typed_array(op, "indices", info[0], napi_int32_array, "Int32Array");
  Napi::TypedArray off = check_typed_array(op, "offsets", info[1], napi_int32_array, "Int32Array");
  Napi::TypedArray rows = check_typed_array(op, "tableRows", info[2], napi_int32_array, "Int32Array");
  const i64 B = check_size(op, "batchSize", info[3]);
  PrepArgs p{static_cast<const i32*>(typed_data(ind)), static_cast<i64>(ind.ElementLength()),
             static_cast<const i32*>(typed_data(off)), static_cast<i64>(off.ElementLength()), {}, B};
  const i32* r = static_cast<const i32*>(typed_data(rows));
  for (size_t t = 0; t < rows.ElementLength(); t++) {
    if (r[t] <= 0) {
      throw_js(info.Env(), ErrorKind::Range,
               arg_name(op, "tableRows") + "[" + std::to_string(t) + "] must be positive, got " + std::to_string(r[t]));
    }
    p.rows.push_back(r[t]);
  }
  if (p.nnz > 2147483647) throw_js(info.Env(), ErrorKind::Range, arg_name(op, "indices") + " has more than 2^31-1 elements");
  return p;
}

Napi::Int32Array to_js(Napi::Env env, const std::vector<i32>& v) {
  Napi::Int32Array a = Napi::Int32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * 4);
  return a;
}

}  // namespace

Napi::Value ValidateSparseInput(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "validateSparseInput", [&]() -> Napi::Value {
    const PrepArgs p = read_args(info, "validateSparseInput");
    validate_sparse_input(p.indices, p.nnz, p.offsets, p.nOffsets, p.rows.data(), static_cast<i64>(p.rows.size()), p.B);
    return info.Env().Undefined();
  });
}

Napi::Value BuildSparseBatch(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "buildSparseBatch", [&]() -> Napi::Value {
    const PrepArgs p = read_args(info, "buildSparseBatch");
    const SparseBatch s =
        build_sparse_batch(p.indices, p.nnz, p.offsets, p.nOffsets, p.rows.data(), static_cast<i64>(p.rows.size()), p.B);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("uniqueRows", to_js(info.Env(), s.uniqueRows));
    o.Set("tableUniqueOffsets", to_js(info.Env(), s.tableUniqueOffsets));
    o.Set("csrOffsets", to_js(info.Env(), s.csrOffsets));
    o.Set("csrBags", to_js(info.Env(), s.csrBags));
    o.Set("numUnique", static_cast<double>(s.uniqueRows.size()));
    return o;
  });
}

}  // namespace dlrm
