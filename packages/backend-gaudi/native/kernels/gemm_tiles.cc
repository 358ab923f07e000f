// The GEMM tile grid (gemm_tiles.h). The thresholds were chosen by measurement (the README
// of this package gives the figures and the command).
#include "gemm_tiles.h"

#include <algorithm>
#include <cstdlib>

namespace dlrm {
namespace {

/** Products below this m * n * k run as one call (waking the pool would cost more). */
i64 min_tile_work() {
  static const i64 v = std::getenv("DLRM_DEV_TILE_WORK") ? std::atoll(std::getenv("DLRM_DEV_TILE_WORK")) : (i64{1} << 21);
  return v;
}
i64 max_tiles() {
  static const i64 v = std::getenv("DLRM_DEV_MAX_TILES") ? std::atoll(std::getenv("DLRM_DEV_MAX_TILES")) : 12;
  return v;
}
constexpr i64 kMinSlab = 32;

}  // namespace

GemmTiles gemm_tiles(i64 m, i64 n, i64 k) {
  const bool splitN = n >= m;
  const i64 extent = splitN ? n : m;
  const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const i64 byWork = static_cast<i64>(std::min(work / static_cast<double>(min_tile_work()), 1e6));
  const i64 cap = std::min({byWork, extent / kMinSlab, max_tiles()});
  i64 count = 1;
  for (const i64 c : {2, 4, 6, 12, 24, 48}) {
    if (c <= cap) count = c;
  }
  return {splitN, count, extent};
}

i64 tile_begin(const GemmTiles& t, i64 i) {
  if (i >= t.count) return t.extent;
  return t.extent * i / t.count / 16 * 16;
}

}  // namespace dlrm
