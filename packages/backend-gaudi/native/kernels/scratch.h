// Per-thread scratch buffers for the GEMM operand conversions (bf16 rounding): slot 0 for
// A, 1 for B, one set per element type; each grows to the largest size seen and is never
// zero-filled or shrunk, so a repeated GEMM shape costs no allocation and no page faults.
#pragma once

#include <memory>

#include "common.h"

namespace dlrm {

/** n elements of the calling thread's scratch slot `slot` (0 or 1) of type T. */
template <typename T>
T* thread_scratch(int slot, i64 n) {
  thread_local std::unique_ptr<T[]> buf[2];
  thread_local i64 cap[2] = {0, 0};
  if (cap[slot] < n) {
    buf[slot].reset(new T[static_cast<size_t>(n)]);
    cap[slot] = n;
  }
  return buf[slot].get();
}

}  // namespace dlrm
