// Argument checks of the collectives, done on the JS thread before any memory is touched:
// a typed array of one of the four element types (not detached), a counts array of one
// non-negative int per rank, packed displacements whose sum fits the buffer and an int,
// and a root rank in range. Each failure throws a TypeError or RangeError naming the argument.
#pragma once

#include <mpi.h>
#include <napi.h>

#include <cstddef>
#include <vector>

namespace dlrm_mpi {

// A validated typed array: where its elements are, how many, and their MPI type.
struct BufferArg {
  Napi::Object object;  // the typed array, to hold a reference to while MPI uses it
  void* data = nullptr;
  size_t length = 0;     // in elements
  size_t elem_size = 0;  // bytes per element
  MPI_Datatype type = MPI_DATATYPE_NULL;
  napi_typedarray_type kind = napi_uint8_array;
  const char* type_name = "";
};

// info[index] as a Float32Array, Float64Array, Int32Array or Uint8Array.
BufferArg buffer_arg(const Napi::CallbackInfo& info, size_t index, const char* name);

// Throws unless a and b have the same element type (`what` names the pair).
void require_same_type(Napi::Env env, const BufferArg& a, const BufferArg& b, const char* what);

// Throws unless the element ranges of a and b are disjoint.
void require_disjoint(Napi::Env env, const BufferArg& a, const BufferArg& b, const char* what);

// Per-rank counts and their packed displacements.
struct CountsArg {
  std::vector<int> counts;
  std::vector<int> displs;
  size_t total = 0;
};

// info[index] as an Array of world_size non-negative integers whose sum is at most INT_MAX.
// Reading an Array's elements can run JS (an index getter), so the collectives read their
// counts before their buffers' addresses.
CountsArg counts_arg(const Napi::CallbackInfo& info, size_t index, const char* name, int world_size);

// Throws unless counts.total fits in buffer_length elements (the buffer named buffer_name).
void require_fits(Napi::Env env, const CountsArg& counts, const char* name, size_t buffer_length,
                  const char* buffer_name);

// info[index] as an integer rank in [0, world_size).
int root_arg(const Napi::CallbackInfo& info, size_t index, const char* name, int world_size);

// A non-null address for a buffer of zero elements (MPI rejects NULL with a nonzero count only,
// but some checks look at the pointer itself).
void* nonnull(void* data);

}  // namespace dlrm_mpi
