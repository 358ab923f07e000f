// The one thread pool of the process (OpenMP's) for the native kernels and the GEMM tiles
// (OpenBLAS and oneDNN run single-threaded inside them). Work is split by output ranges
// (never reductions), so results do not depend on how many threads ran it: a busy pool
// runs a second caller's loop inline. GEMM and these kernels never run at the same time on one step.
#pragma once

#include <functional>

#include "common.h"

namespace dlrm {

/** Sets the pool's thread count (caller included); n >= 1. OpenBLAS's own count stays 1. */
void set_num_threads(int n);

/**
 * Marks the calling thread so that its small parallel_for loops (fewer than 16 grains of
 * work) run inline: the lazy-mode step runner uses it, leaving the other cores to the
 * JavaScript thread that prepares the next batch meanwhile (pipeline parallelism instead
 * of fork-join on every small op); large loops and GEMM still use every thread.
 * Results are the same either way (work is split by outputs).
 */
void run_inline_on_this_thread(bool yes);

/** The pool's thread count, caller included. */
int num_threads();

/**
 * Runs fn(i) for every tile i in [0, count) over the pool, on at most num_threads()
 * threads, each taking the next tile when done with one (the inline rule of
 * run_inline_on_this_thread does not apply).
 * While fn runs, the executing thread's OpenMP team is 1 thread, so OpenBLAS's OpenMP
 * build and oneDNN called from fn run single-threaded on it: a tile's result never
 * depends on the thread count. An exception in any tile is rethrown here.
 */
void parallel_tiles(i64 count, const std::function<void(i64)>& fn);

/**
 * Runs fn(begin, end) over [0, n) in at most num_threads() contiguous chunks of at least
 * `grain` items; the caller runs the first chunk. Chunks are disjoint, so fn must only
 * write outputs owned by its range. An exception in any chunk is rethrown here.
 */
void parallel_for(i64 n, i64 grain, const std::function<void(i64, i64)>& fn);

}  // namespace dlrm
