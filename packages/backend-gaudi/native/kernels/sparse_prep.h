// Host preprocessing of one batch's sparse input in C++ (the op core's buildSparseBatch
// does in TypeScript): validation against the table sizes, then per table the unique
// rows (ascending) and the CSR inverse map from each unique row to its bags.
// Same layouts and the same messages as packages/dlrm-core/src/data/sparse-batch.ts.
#pragma once

#include <vector>

#include "common.h"

namespace dlrm {

/** The preprocessed batch (HostSparseBatch without the inputs). */
struct SparseBatch {
  std::vector<i32> uniqueRows;          // U
  std::vector<i32> tableUniqueOffsets;  // T + 1
  std::vector<i32> csrOffsets;          // U + 1
  std::vector<i32> csrBags;             // NNZ
};

/**
 * Throws a Range KernelError (message as validateSparseInput) when offsets are not
 * T*B + 1 entries from 0, non-decreasing, ending at nnz, or an index is outside
 * [0, rows[t]) for its table.
 */
void validate_sparse_input(const i32* indices, i64 nnz, const i32* offsets, i64 nOffsets, const i64* rows, i64 T,
                           i64 B);

/** Validates, then builds unique rows and the CSR map; tables are processed in parallel. */
SparseBatch build_sparse_batch(const i32* indices, i64 nnz, const i32* offsets, i64 nOffsets, const i64* rows, i64 T,
                               i64 B);

}  // namespace dlrm
