// Implementation of the C++ host preprocessing (see sparse_prep.h): per table, sort
// the (row, position) keys of its indices, then emit one unique slot per distinct row
// and that row's bags in position order. Tables run in parallel on the process pool.
#include "sparse_prep.h"

#include <algorithm>
#include <string>

#include "thread_pool.h"

namespace dlrm {

void validate_sparse_input(const i32* indices, i64 nnz, const i32* offsets, i64 nOffsets, const i64* rows, i64 T,
                           i64 B) {
  if (nOffsets != T * B + 1) {
    range_error("offsets: expected " + std::to_string(T * B + 1) + " entries (T*B+1), got " + std::to_string(nOffsets));
  }
  if (offsets[0] != 0) range_error("offsets[0] must be 0, got " + std::to_string(offsets[0]));
  for (i64 i = 1; i < nOffsets; i++) {
    if (offsets[i] < offsets[i - 1]) {
      range_error("offsets must not decrease: offsets[" + std::to_string(i) + "] = " + std::to_string(offsets[i]) +
                  " < offsets[" + std::to_string(i - 1) + "] = " + std::to_string(offsets[i - 1]));
    }
  }
  if (offsets[T * B] != nnz) {
    range_error("offsets end at " + std::to_string(offsets[T * B]) + " but there are " + std::to_string(nnz) +
                " indices");
  }
  for (i64 t = 0; t < T; t++) {
    for (i64 i = offsets[t * B]; i < offsets[(t + 1) * B]; i++) {
      const i64 r = indices[i];
      if (r < 0 || r >= rows[t]) {
        range_error("index " + std::to_string(r) + " at position " + std::to_string(i) + " is out of range for table " +
                    std::to_string(t) + " (" + std::to_string(rows[t]) + " rows)");
      }
    }
  }
}

SparseBatch build_sparse_batch(const i32* indices, i64 nnz, const i32* offsets, i64 nOffsets, const i64* rows, i64 T,
                               i64 B) {
  validate_sparse_input(indices, nnz, offsets, nOffsets, rows, T, B);
  SparseBatch out;
  out.csrBags.assign(static_cast<size_t>(nnz), 0);
  std::vector<std::vector<i32>> uniq(static_cast<size_t>(T));
  std::vector<std::vector<i32>> starts(static_cast<size_t>(T));
  parallel_for(T, 1, [&](i64 t0, i64 t1) {
    std::vector<std::uint64_t> keys;
    for (i64 t = t0; t < t1; t++) {
      const i64 lo = offsets[t * B];
      const i64 hi = offsets[(t + 1) * B];
      keys.resize(static_cast<size_t>(hi - lo));
      for (i64 i = lo; i < hi; i++) {
        keys[static_cast<size_t>(i - lo)] = (static_cast<std::uint64_t>(indices[i]) << 32) | static_cast<std::uint64_t>(i);
      }
      std::sort(keys.begin(), keys.end());
      std::vector<i32> bagOf(static_cast<size_t>(hi - lo));
      for (i64 b = 0; b < B; b++) {
        for (i64 i = offsets[t * B + b]; i < offsets[t * B + b + 1]; i++) bagOf[static_cast<size_t>(i - lo)] = static_cast<i32>(b);
      }
      auto& u = uniq[static_cast<size_t>(t)];
      auto& s = starts[static_cast<size_t>(t)];
      i64 prev = -1;
      for (i64 k = 0; k < hi - lo; k++) {
        const std::uint64_t key = keys[static_cast<size_t>(k)];
        const i64 row = static_cast<i64>(key >> 32);
        const i64 pos = static_cast<i64>(key & 0xffffffffu);
        if (row != prev) {
          u.push_back(static_cast<i32>(row));
          s.push_back(static_cast<i32>(lo + k));
          prev = row;
        }
        out.csrBags[static_cast<size_t>(lo + k)] = bagOf[static_cast<size_t>(pos - lo)];
      }
    }
  });
  out.tableUniqueOffsets.assign(static_cast<size_t>(T + 1), 0);
  for (i64 t = 0; t < T; t++) {
    const auto& u = uniq[static_cast<size_t>(t)];
    const auto& s = starts[static_cast<size_t>(t)];
    out.tableUniqueOffsets[static_cast<size_t>(t)] = static_cast<i32>(out.uniqueRows.size());
    out.uniqueRows.insert(out.uniqueRows.end(), u.begin(), u.end());
    out.csrOffsets.insert(out.csrOffsets.end(), s.begin(), s.end());
  }
  out.tableUniqueOffsets[static_cast<size_t>(T)] = static_cast<i32>(out.uniqueRows.size());
  out.csrOffsets.push_back(static_cast<i32>(nnz));
  return out;
}

}  // namespace dlrm
