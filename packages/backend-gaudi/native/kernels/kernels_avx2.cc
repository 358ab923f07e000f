// The AVX2 build of the range kernels: kernels_impl.h compiled with -mavx2 -mfma (set in
// CMakeLists.txt for this file only) into dlrm::avx2::table; used only when the CPU
// reports AVX2 at run time (__builtin_cpu_supports).
#define KERNEL_NS avx2
#include "kernels_impl.h"
