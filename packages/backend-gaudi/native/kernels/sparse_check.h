// Structural checks of a sparse batch as it sits in device tensors, run before any
// embedding kernel touches memory: bag offsets, every index against its table's rows,
// unique-slot offsets, CSR ranges and bag numbers. Each failure throws a Range
// KernelError naming the op, the tensor and the position.
#pragma once

#include <string>

#include "common.h"

namespace dlrm {

/** offsets (T*B + 1 used): offsets[0] = 0, non-decreasing, offsets[T*B] <= nIndices. */
void check_bags(const std::string& op, const i32* offsets, i64 T, i64 B, i64 nIndices);

/** Every index of table t's bags in [0, rows[t]) (after check_bags). */
void check_indices(const std::string& op, const i32* indices, const i32* offsets, i64 T, i64 B, const i64* rows);

/**
 * The unique-slot view: tableUniqueOffsets (T + 1) starts at 0 and never decreases,
 * U = tableUniqueOffsets[T] fits uniqueRows (nUnique); with `csr` (an op that reads the CSR
 * map) U also fits csrOffsets (nCsrOffsets - 1) and each CSR range lies in csrBags (nCsrBags);
 * with B >= 0 every bag number is in [0, B); with rows non-null every unique row is in
 * [0, rows[t]). Returns U. The messages are core's (ops-spec/sparse-faults.ts).
 */
i64 check_unique(const std::string& op, const i32* tuo, const i32* uniqueRows, const i32* csrOffsets,
                 const i32* csrBags, i64 T, i64 nUnique, i64 nCsrOffsets, i64 nCsrBags, i64 B, const i64* rows,
                 bool csr = true);

/** True when uniqueRows is strictly ascending within each table (rows distinct: safe to update in parallel). */
bool unique_rows_distinct(const i32* tuo, const i32* uniqueRows, i64 T);

}  // namespace dlrm
