// The portable build of the range kernels (any x86-64 or other CPU): kernels_impl.h
// compiled with the baseline instruction set into dlrm::generic::table.
#define KERNEL_NS generic
#include "kernels_impl.h"
