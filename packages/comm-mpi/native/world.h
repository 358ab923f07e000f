// The process's one MPI world as the bindings see it: whether MPI_Init_thread has run (and
// MPI_Finalize), this rank, the world size, the "one collective in flight" flag that keeps
// MPI_THREAD_SERIALIZED's promise, and the conversion of an MPI error code (MPI_ERRORS_RETURN
// on MPI_COMM_WORLD) into a message that names the failed call.
#pragma once

#include <mpi.h>
#include <napi.h>

#include <atomic>
#include <string>

namespace dlrm_mpi {

enum class State { kNotInitialized, kInitialized, kFinalized };

struct World {
  std::atomic<State> state{State::kNotInitialized};
  int rank = 0;
  int size = 1;
  // True from a collective's start (JS thread) to the end of its MPI call (worker thread).
  std::atomic<bool> busy{false};
};

World& world();

// Throws a JS Error unless MPI is initialised and not finalized; `what` is the JS call.
void require_initialized(Napi::Env env, const char* what);

// Marks a collective as in flight; throws a JS Error when one already is.
void acquire_collective(Napi::Env env, const char* what);
void release_collective();

// "MPI_Bcast failed: MPI_ERR_TRUNCATE: message truncated (MPI error class 15)".
std::string mpi_error_message(const char* call, int code);

// Throws mpi_error_message as a JS Error (with mpiCall and mpiErrorClass properties) unless rc is MPI_SUCCESS.
void check_mpi(Napi::Env env, const char* call, int rc);

// The JS Error for a failed MPI call, with mpiCall and mpiErrorClass set.
Napi::Error make_mpi_error(Napi::Env env, const char* call, int code);

}  // namespace dlrm_mpi
