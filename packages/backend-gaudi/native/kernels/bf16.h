// fp32 -> bfloat16 rounding for the native kernels, bit for bit as @dlrm/core's
// util/bf16.ts: round to nearest, ties to even, on the bit pattern (subnormals round their
// mantissa, overflow past bf16 max gives Inf); NaN keeps sign and top payload bits with the
// quiet bit set. The result stays a float (a widened bf16), so products of two are exact.
#pragma once

#include <cstdint>
#include <cstring>

namespace dlrm {

/** x rounded to the nearest bfloat16 (ties to even), returned as a float. */
inline float to_bf16(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    u = (u | 0x00400000u) & 0xffff0000u;
  } else {
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  }
  float r;
  std::memcpy(&r, &u, 4);
  return r;
}

}  // namespace dlrm
