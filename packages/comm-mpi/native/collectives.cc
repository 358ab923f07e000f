// Implementation of the collectives (see collectives.h). Only one collective is in flight at
// a time (world().busy); the worker clears it as soon as its MPI call returns. MPI errors
// (MPI_ERRORS_RETURN) reject the Promise with an Error naming the MPI call.
#include "collectives.h"

#include <climits>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "world.h"

namespace dlrm_mpi {
namespace {

class CollectiveWorker : public Napi::AsyncWorker {
 public:
  CollectiveWorker(Napi::Env env, const char* call, std::function<int()> run)
      : Napi::AsyncWorker(env, call), deferred_(Napi::Promise::Deferred::New(env)), call_(call), run_(std::move(run)) {}

  // Keeps `object` (a typed array MPI reads or writes) alive until the worker is deleted.
  void Keep(Napi::Object object) { refs_.push_back(Napi::Persistent(object)); }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    code_ = run_();
    release_collective();
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (code_ == MPI_SUCCESS) {
      deferred_.Resolve(env.Undefined());
    } else {
      deferred_.Reject(make_mpi_error(env, call_, code_).Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  const char* call_;
  std::function<int()> run_;
  std::vector<Napi::ObjectReference> refs_;
  int code_ = MPI_SUCCESS;
};

// Starts `run` on a worker thread once the arguments are checked; `keep` are its typed arrays.
Napi::Value start(Napi::Env env, const char* what, const char* call, std::function<int()> run,
                  std::initializer_list<Napi::Object> keep) {
  acquire_collective(env, what);
  CollectiveWorker* worker = nullptr;
  try {
    worker = new CollectiveWorker(env, call, std::move(run));
    for (const Napi::Object& o : keep) worker->Keep(o);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  } catch (...) {
    release_collective();
    delete worker;
    throw;
  }
}

}  // namespace

Napi::Value AllToAllV(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_initialized(env, "allToAllV");
  const int size = world().size;
  CountsArg send_counts = counts_arg(info, 1, "sendCounts", size);
  CountsArg recv_counts = counts_arg(info, 3, "recvCounts", size);
  BufferArg send = buffer_arg(info, 0, "send");
  BufferArg recv = buffer_arg(info, 2, "recv");
  require_same_type(env, send, recv, "send and recv");
  require_fits(env, send_counts, "sendCounts", send.length, "send");
  require_fits(env, recv_counts, "recvCounts", recv.length, "recv");
  require_disjoint(env, send, recv, "send and recv");
  void* send_data = nonnull(send.data);
  void* recv_data = nonnull(recv.data);
  MPI_Datatype type = send.type;
  auto run = [send_data, recv_data, type, sc = std::move(send_counts), rc = std::move(recv_counts)]() {
    return MPI_Alltoallv(send_data, sc.counts.data(), sc.displs.data(), type, recv_data, rc.counts.data(),
                         rc.displs.data(), type, MPI_COMM_WORLD);
  };
  return start(env, "allToAllV", "MPI_Alltoallv", std::move(run), {send.object, recv.object});
}

Napi::Value AllGatherV(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_initialized(env, "allGatherV");
  const int size = world().size;
  const int rank = world().rank;
  CountsArg counts = counts_arg(info, 2, "counts", size);
  BufferArg send = buffer_arg(info, 0, "send");
  BufferArg recv = buffer_arg(info, 1, "recv");
  require_same_type(env, send, recv, "send and recv");
  require_fits(env, counts, "counts", recv.length, "recv");
  if (static_cast<size_t>(counts.counts[rank]) != send.length) {
    throw Napi::RangeError::New(env, "counts[" + std::to_string(rank) + "] (" + std::to_string(counts.counts[rank]) +
                                         ", this rank's count) must equal send.length (" + std::to_string(send.length) +
                                         ")");
  }
  require_disjoint(env, send, recv, "send and recv");
  void* send_data = nonnull(send.data);
  void* recv_data = nonnull(recv.data);
  MPI_Datatype type = send.type;
  int send_count = counts.counts[rank];
  auto run = [send_data, recv_data, type, send_count, c = std::move(counts)]() {
    return MPI_Allgatherv(send_data, send_count, type, recv_data, c.counts.data(), c.displs.data(), type,
                          MPI_COMM_WORLD);
  };
  return start(env, "allGatherV", "MPI_Allgatherv", std::move(run), {send.object, recv.object});
}

Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_initialized(env, "broadcast");
  int root = root_arg(info, 1, "root", world().size);
  BufferArg buf = buffer_arg(info, 0, "buf");
  if (buf.length > static_cast<size_t>(INT_MAX)) {
    throw Napi::RangeError::New(env, "buf: " + std::to_string(buf.length) +
                                         " elements is more than MPI's int counts allow (2147483647); split the "
                                         "broadcast");
  }
  void* data = nonnull(buf.data);
  int count = static_cast<int>(buf.length);
  MPI_Datatype type = buf.type;
  auto run = [data, count, type, root]() { return MPI_Bcast(data, count, type, root, MPI_COMM_WORLD); };
  return start(env, "broadcast", "MPI_Bcast", std::move(run), {buf.object});
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_initialized(env, "barrier");
  return start(env, "barrier", "MPI_Barrier", [] { return MPI_Barrier(MPI_COMM_WORLD); }, {});
}

}  // namespace dlrm_mpi
