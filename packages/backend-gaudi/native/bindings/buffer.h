// A native tensor's memory: zero-filled by calloc (large tensors get untouched zero pages,
// committed only when written), owned by a shared_ptr so that queued lazy work keeps it
// alive after `free` or `dispose` until that work is done.
#pragma once

#include <cstdlib>
#include <memory>
#include <new>

#include "../kernels/common.h"

namespace dlrm {

enum class DType { F32, I32 };

struct Buffer {
  Buffer(i64 n, DType t) : size(n), dtype(t) {
    data = std::calloc(static_cast<size_t>(n) + 16, 4);
    if (data == nullptr) throw std::bad_alloc();
  }
  ~Buffer() { std::free(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  float* f32() const { return static_cast<float*>(data); }
  i32* i32p() const { return static_cast<i32*>(data); }

  const i64 size;
  const DType dtype;
  void* data;
};

using BufferPtr = std::shared_ptr<Buffer>;

}  // namespace dlrm
