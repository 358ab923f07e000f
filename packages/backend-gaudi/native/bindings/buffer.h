// A native tensor's memory, zero-filled. Tensors of 2 MiB and more are anonymous mmaps
// advised to use transparent huge pages (embedding tables are read at random rows, so
// 4 KiB pages would cost a TLB miss per row); smaller ones come from calloc. Owned by a
// shared_ptr so that queued lazy work keeps it alive after `free` or `dispose`.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <memory>
#include <new>

#include "../kernels/common.h"

namespace dlrm {

enum class DType { F32, I32 };

struct Buffer {
  static constexpr size_t kHuge = size_t{2} << 20;

  Buffer(i64 n, DType t) : size(n), dtype(t) {
    const size_t bytes = (static_cast<size_t>(n) + 16) * 4;
    if (bytes >= kHuge) {
      mapped_ = (bytes + kHuge - 1) / kHuge * kHuge;
      void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
      madvise(p, mapped_, MADV_HUGEPAGE);
#endif
      data = p;
    } else {
      data = std::calloc(static_cast<size_t>(n) + 16, 4);
      if (data == nullptr) throw std::bad_alloc();
    }
  }
  ~Buffer() {
    if (mapped_ > 0)
      munmap(data, mapped_);
    else
      std::free(data);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  float* f32() const { return static_cast<float*>(data); }
  i32* i32p() const { return static_cast<i32*>(data); }

  const i64 size;
  const DType dtype;
  void* data;

 private:
  size_t mapped_ = 0;
};

using BufferPtr = std::shared_ptr<Buffer>;

}  // namespace dlrm
