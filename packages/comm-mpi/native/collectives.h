// The four collectives of the binding (allToAllV, allGatherV, broadcast, barrier): each checks
// its arguments on the JS thread, then runs its one MPI call on a libuv worker thread as a
// Napi::AsyncWorker that holds references to its typed arrays until the call has returned,
// and returns a Promise that settles on the JS thread.
#pragma once

#include <napi.h>

namespace dlrm_mpi {

Napi::Value AllToAllV(const Napi::CallbackInfo& info);
Napi::Value AllGatherV(const Napi::CallbackInfo& info);
Napi::Value Broadcast(const Napi::CallbackInfo& info);
Napi::Value Barrier(const Napi::CallbackInfo& info);

}  // namespace dlrm_mpi
