// Entry point of the Open MPI communicator addon (dlrm_comm_mpi.node): init (MPI_Init_thread
// at MPI_THREAD_SERIALIZED, after making libmpi's symbols global), finalize, abort, and the
// collectives of collectives.h. init refuses to run outside mpirun: a singleton MPI_Init
// would try to start its own runtime. Every MPI error is a JS Error naming the call.
#include <dlfcn.h>
#include <mpi.h>
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "collectives.h"
#include "world.h"

namespace dlrm_mpi {
namespace {

std::string g_version;
std::string g_thread_level;

const char* thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE:
      return "single";
    case MPI_THREAD_FUNNELED:
      return "funneled";
    case MPI_THREAD_SERIALIZED:
      return "serialized";
    case MPI_THREAD_MULTIPLE:
      return "multiple";
    default:
      return "unknown";
  }
}

bool launched_by_mpirun() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char* pmix = std::getenv("PMIX_RANK");
  return (size != nullptr && *size != '\0') || (pmix != nullptr && *pmix != '\0');
}

// Node loads this addon with RTLD_LOCAL, so libmpi (a dependency of the addon) is not in the
// global symbol scope, and Open MPI components it dlopens later that expect to find libmpi's
// symbols there fail with "undefined symbol". Re-opening the already loaded library with
// RTLD_GLOBAL | RTLD_NOLOAD promotes it (and loads nothing new).
void promote_libmpi_to_global() {
  if (dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != nullptr) return;
  Dl_info where;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &where) != 0 && where.dli_fname != nullptr) {
    dlopen(where.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  }
}

Napi::Object info_object(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("rank", Napi::Number::New(env, world().rank));
  out.Set("worldSize", Napi::Number::New(env, world().size));
  out.Set("version", Napi::String::New(env, g_version));
  out.Set("threadLevel", Napi::String::New(env, g_thread_level));
  return out;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State state = world().state.load();
  if (state == State::kInitialized) return info_object(env);
  if (state == State::kFinalized) {
    throw Napi::Error::New(env, "init: MPI was finalized in this process; it cannot be initialised again");
  }
  if (!launched_by_mpirun()) {
    throw Napi::Error::New(env,
                           "init: this process was not started by mpirun (neither OMPI_COMM_WORLD_SIZE nor PMIX_RANK "
                           "is set); MPI_Init is only called under mpirun");
  }
  promote_libmpi_to_global();
  int provided = MPI_THREAD_SINGLE;
  // Before MPI_Init the default error handler is MPI_ERRORS_ARE_FATAL: a failure here ends the process with MPI's
  // message.
  check_mpi(env, "MPI_Init_thread", MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided));
  world().state.store(State::kInitialized);
  check_mpi(env, "MPI_Comm_set_errhandler", MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  int rank = 0, size = 1;
  check_mpi(env, "MPI_Comm_rank", MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  check_mpi(env, "MPI_Comm_size", MPI_Comm_size(MPI_COMM_WORLD, &size));
  world().rank = rank;
  world().size = size;
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  check_mpi(env, "MPI_Get_library_version", MPI_Get_library_version(version, &len));
  g_version.assign(version, strnlen(version, static_cast<size_t>(len > 0 ? len : 0)));
  size_t eol = g_version.find_first_of("\r\n");
  if (eol != std::string::npos) g_version.resize(eol);
  g_thread_level = thread_level_name(provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    throw Napi::Error::New(env, "init: this MPI provides only MPI_THREAD_" + std::string(thread_level_name(provided)) +
                                    "; the collectives run on worker threads and need MPI_THREAD_SERIALIZED");
  }
  return info_object(env);
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (world().state.load() != State::kInitialized) return env.Undefined();
  if (world().busy.load()) {
    throw Napi::Error::New(env, "finalize: a collective is still in flight; await it before finalize()");
  }
  world().state.store(State::kFinalized);
  check_mpi(env, "MPI_Finalize", MPI_Finalize());
  return env.Undefined();
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value v = info[0];
  if (!v.IsNumber()) throw Napi::TypeError::New(env, "code: expected an integer exit code");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 255) || static_cast<double>(static_cast<int>(d)) != d) {
    throw Napi::RangeError::New(env,
                                "code: expected an integer exit code in [0, 255], got " + v.ToString().Utf8Value());
  }
  int code = static_cast<int>(d);
  if (world().state.load() == State::kInitialized) MPI_Abort(MPI_COMM_WORLD, code);
  // Not initialised (or finalized), or MPI_Abort returned: end this process with the code.
  std::_Exit(code);
}

}  // namespace
}  // namespace dlrm_mpi

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  using namespace dlrm_mpi;
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("allToAllV", Napi::Function::New(env, AllToAllV, "allToAllV"));
  exports.Set("allGatherV", Napi::Function::New(env, AllGatherV, "allGatherV"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  return exports;
}

NODE_API_MODULE(dlrm_comm_mpi, InitModule)
