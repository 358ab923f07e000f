// The GEMM tile grid (gemm_tiles.h). The thresholds were chosen by measurement (the README
// of this package gives the figures and the command).
#include "gemm_tiles.h"

#include <algorithm>

namespace dlrm {
namespace {

/** Products below this m * n * k run as one call (waking the pool would cost more), and each tile does at least this
 * much. */
constexpr double kMinTileWork = 4194304.0;
/** The most tiles: divides evenly among 2, 3, 4, 6 and 12 threads. */
constexpr i64 kMaxTiles = 12;
/** Narrowest slab, and the narrowest when the re-read operand exceeds kCachedOperand floats (re-packing it per tile
 * costs memory traffic). */
constexpr i64 kMinSlab = 32;
constexpr i64 kMinSlabUncached = 256;
constexpr i64 kCachedOperand = i64{1} << 18;

}  // namespace

GemmTiles gemm_tiles(i64 m, i64 n, i64 k) {
  const bool splitN = n >= m;
  const i64 extent = splitN ? n : m;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const i64 byWork = static_cast<i64>(std::min(work / kMinTileWork, 1e6));
  const i64 reread = (splitN ? m : n) * k;
  const i64 slab = reread > kCachedOperand ? kMinSlabUncached : kMinSlab;
  const i64 cap = std::min({byWork, extent / slab, kMaxTiles});
  i64 count = 1;
  for (const i64 c : {2, 4, 6, 12}) {
    if (c <= cap) count = c;
  }
  return {splitN, count, extent};
}

i64 tile_begin(const GemmTiles& t, i64 i) {
  if (i >= t.count) return t.extent;
  return t.extent * i / t.count / 16 * 16;
}

}  // namespace dlrm
