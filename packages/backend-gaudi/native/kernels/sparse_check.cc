// Implementation of the sparse-batch structural checks (see sparse_check.h). Linear in
// the batch size, single-threaded: a few microseconds per step next to the kernels.
#include "sparse_check.h"

namespace dlrm {

void check_bags(const std::string& op, const i32* offsets, i64 T, i64 B, i64 nIndices) {
  const i64 nBags = T * B;
  if (offsets[0] != 0) range_error(op + ": sparse.offsets[0] must be 0, got " + std::to_string(offsets[0]));
  for (i64 i = 1; i <= nBags; i++) {
    if (offsets[i] < offsets[i - 1]) {
      range_error(op + ": sparse.offsets decreases at " + std::to_string(i) + " (" + std::to_string(offsets[i - 1]) +
                  " then " + std::to_string(offsets[i]) + ")");
    }
  }
  if (offsets[nBags] > nIndices) {
    range_error(op + ": sparse.offsets ends at " + std::to_string(offsets[nBags]) + " but sparse.indices has " +
                std::to_string(nIndices) + " elements");
  }
}

void check_indices(const std::string& op, const i32* indices, const i32* offsets, i64 T, i64 B, const i64* rows) {
  for (i64 t = 0; t < T; t++) {
    const i64 lo = offsets[t * B];
    const i64 hi = offsets[(t + 1) * B];
    const i64 n = rows[t];
    for (i64 i = lo; i < hi; i++) {
      const i64 r = indices[i];
      if (r < 0 || r >= n) {
        range_error(op + ": sparse.indices[" + std::to_string(i) + "] = " + std::to_string(r) +
                    " is out of range for table " + std::to_string(t) + " (" + std::to_string(n) + " rows)");
      }
    }
  }
}

i64 check_unique(const std::string& op, const i32* tuo, const i32* uniqueRows, const i32* csrOffsets,
                 const i32* csrBags, i64 T, i64 nUnique, i64 nCsrOffsets, i64 nCsrBags, i64 B, const i64* rows,
                 bool csr) {
  if (tuo[0] != 0) range_error(op + ": sparse.tableUniqueOffsets[0] must be 0, got " + std::to_string(tuo[0]));
  for (i64 t = 1; t <= T; t++) {
    if (tuo[t] < tuo[t - 1]) range_error(op + ": sparse.tableUniqueOffsets decreases at " + std::to_string(t));
  }
  const i64 U = tuo[T];
  if (U > nUnique) {
    range_error(op + ": sparse.tableUniqueOffsets ends at " + std::to_string(U) + " but sparse.uniqueRows has " +
                std::to_string(nUnique) + " elements");
  }
  if (csr && U + 1 > nCsrOffsets) {
    range_error(op + ": sparse.csrOffsets has " + std::to_string(nCsrOffsets) + " elements, needs at least " +
                std::to_string(U + 1));
  }
  for (i64 t = 0; t < T; t++) {
    for (i64 u = tuo[t]; u < tuo[t + 1]; u++) {
      const i64 lo = csr ? csrOffsets[u] : 0;
      const i64 hi = csr ? csrOffsets[u + 1] : 0;
      if (lo < 0 || hi < lo || hi > nCsrBags) {
        range_error(op + ": sparse.csrOffsets[" + std::to_string(u) + ".." + std::to_string(u + 1) + "] = " +
                    std::to_string(lo) + ".." + std::to_string(hi) + " is not a valid range of sparse.csrBags");
      }
      if (B >= 0) {
        for (i64 k = lo; k < hi; k++) {
          if (csrBags[k] < 0 || csrBags[k] >= B) {
            range_error(op + ": sparse.csrBags[" + std::to_string(k) + "] = " + std::to_string(csrBags[k]) +
                        " is not a bag in 0.." + std::to_string(B - 1));
          }
        }
      }
      if (rows != nullptr) {
        const i64 r = uniqueRows[u];
        if (r < 0 || r >= rows[t]) {
          range_error(op + ": sparse.uniqueRows[" + std::to_string(u) + "] = " + std::to_string(r) +
                      " is out of range for table " + std::to_string(t) + " (" + std::to_string(rows[t]) + " rows)");
        }
      }
    }
  }
  return U;
}

bool unique_rows_distinct(const i32* tuo, const i32* uniqueRows, i64 T) {
  for (i64 t = 0; t < T; t++) {
    for (i64 u = tuo[t] + 1; u < tuo[t + 1]; u++) {
      if (uniqueRows[u] <= uniqueRows[u - 1]) return false;
    }
  }
  return true;
}

}  // namespace dlrm
