// The MPI world state and MPI error conversion (see world.h). Every MPI call the bindings
// make returns its error code (MPI_COMM_WORLD has MPI_ERRORS_RETURN), and every code other
// than MPI_SUCCESS becomes a JS Error naming the call, with MPI's own error string.
#include "world.h"

namespace dlrm_mpi {

World& world() {
  static World w;
  return w;
}

void require_initialized(Napi::Env env, const char* what) {
  switch (world().state.load()) {
    case State::kInitialized:
      return;
    case State::kNotInitialized:
      throw Napi::Error::New(env, std::string(what) + ": MPI is not initialised (call init() first)");
    case State::kFinalized:
      throw Napi::Error::New(env, std::string(what) + ": MPI was finalized; no MPI call is possible after finalize()");
  }
}

void acquire_collective(Napi::Env env, const char* what) {
  bool expected = false;
  if (!world().busy.compare_exchange_strong(expected, true)) {
    throw Napi::Error::New(env, std::string(what) +
                                    ": another collective is still in flight (MPI_THREAD_SERIALIZED: await each "
                                    "collective before starting the next)");
  }
}

void release_collective() { world().busy.store(false); }

std::string mpi_error_message(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  int error_class = code;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = 0;
  if (MPI_Error_class(code, &error_class) != MPI_SUCCESS) error_class = code;
  std::string message = std::string(call) + " failed: ";
  message += len > 0 ? std::string(text, static_cast<size_t>(len)) : "unknown MPI error " + std::to_string(code);
  message += " (MPI error class " + std::to_string(error_class) + ")";
  return message;
}

Napi::Error make_mpi_error(Napi::Env env, const char* call, int code) {
  Napi::Error error = Napi::Error::New(env, mpi_error_message(call, code));
  int error_class = code;
  if (MPI_Error_class(code, &error_class) != MPI_SUCCESS) error_class = code;
  error.Set("mpiCall", Napi::String::New(env, call));
  error.Set("mpiErrorClass", Napi::Number::New(env, error_class));
  return error;
}

void check_mpi(Napi::Env env, const char* call, int rc) {
  if (rc != MPI_SUCCESS) throw make_mpi_error(env, call, rc);
}

}  // namespace dlrm_mpi
