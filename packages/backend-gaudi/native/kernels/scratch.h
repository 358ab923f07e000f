// Per-thread scratch buffers for the GEMM: slot 0 for A's and 1 for B's bf16 rounding, 2
// for a tile's product before alpha and beta are applied; one set per element type; each grows to the largest size seen
// and is never zero-filled or shrunk, so a repeated GEMM shape costs no allocation and no page faults.
#pragma once

#include <memory>

#include "common.h"

namespace dlrm {

/** n elements of the calling thread's scratch slot `slot` (0, 1 or 2) of type T. */
template <typename T>
T* thread_scratch(int slot, i64 n) {
  thread_local std::unique_ptr<T[]> buf[3];
  thread_local i64 cap[3] = {0, 0, 0};
  if (cap[slot] < n) {
    buf[slot].reset(new T[static_cast<size_t>(n)]);
    cap[slot] = n;
  }
  return buf[slot].get();
}

}  // namespace dlrm
