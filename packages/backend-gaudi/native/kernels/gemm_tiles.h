// The tile grid of one GEMM (gemm.cc): a function of the shape only, never of the thread
// count, so each output element is computed by the same single-threaded call whatever
// the pool's size. Tiles are slabs of whole rows or whole columns of C, cut along the
// dimension whose split re-packs the smaller operand, in a count that divides evenly
// among 2, 3, 4 or 6 threads where the product is large enough.
#pragma once

#include "common.h"

namespace dlrm {

/** Slabs of C: `count` column ranges (splitN) or row ranges, each over the whole of k. */
struct GemmTiles {
  bool splitN;
  i64 count;
  /** n when splitN, else m. */
  i64 extent;
};

/**
 * The grid for C (m x n) = op(A) (m x k) op(B) (k x n): one tile when m * n * k is small
 * (one single-threaded call); else split n when n >= m (each tile re-reads all of A,
 * m x k, the smaller operand) or m otherwise, into 2, 4, 6 or 12 slabs as the work allows
 * (at least 2^22 multiply-adds a tile), each at least 32 rows or columns wide, 256 when the
 * re-read operand is over 2^18 floats (past the caches, re-packing it per tile costs
 * memory traffic). m, n, k >= 1.
 */
GemmTiles gemm_tiles(i64 m, i64 n, i64 k);

/** First row or column of tile i (i <= count; tile_begin(t, count) is the extent), a multiple of 16 but the last. */
i64 tile_begin(const GemmTiles& t, i64 i);

}  // namespace dlrm
