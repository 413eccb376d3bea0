// The only translation unit in kanscan that includes the MPI header.
#include <mpi.h>

#include <cstdlib>
#include <list>
#include <stdexcept>
#include <thread>

#include "framework/mpi/world.hpp"

namespace kanscan {
namespace {

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI error in ") + what);
}

// Sends are non-blocking (MPI_Isend) with the buffer kept alive until completion, so a worker
// never stalls on a coordinator that is busy. Receives poll MPI_Iprobe with a short back-off
// instead of spinning inside MPI_Probe, so idle ranks leave the cores to the trials.
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }
  ~MpiCommunicator() override {
    drain();
    MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send(int dest, int tag, const std::string& bytes) override {
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX))
      throw std::runtime_error("MpiCommunicator: message larger than 2 GiB");
    reap();
    pending_.push_back(Pending{bytes, MPI_REQUEST_NULL});
    Pending& p = pending_.back();
    check(MPI_Isend(p.buffer.data(), static_cast<int>(p.buffer.size()), MPI_BYTE, dest, tag, comm_,
                    &p.request),
          "MPI_Isend");
  }

  Message recv(int source, int tag) override {
    for (;;) {
      auto m = recv_for(source, tag, std::chrono::milliseconds(1000));
      if (m) return std::move(*m);
    }
  }

  std::optional<Message> recv_for(int source, int tag, std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto sleep = std::chrono::microseconds(50);
    const int src = source == kAnySource ? MPI_ANY_SOURCE : source;
    const int tg = tag == kAnyTag ? MPI_ANY_TAG : tag;
    for (;;) {
      reap();
      int flag = 0;
      MPI_Status status;
      check(MPI_Iprobe(src, tg, comm_, &flag, &status), "MPI_Iprobe");
      if (flag) {
        int count = 0;
        check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
        Message m;
        m.source = status.MPI_SOURCE;
        m.tag = status.MPI_TAG;
        m.bytes.resize(static_cast<std::size_t>(count));
        check(MPI_Recv(m.bytes.data(), count, MPI_BYTE, m.source, m.tag, comm_, MPI_STATUS_IGNORE),
              "MPI_Recv");
        return m;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(sleep);
      sleep = std::min(sleep * 2, std::chrono::microseconds(20000));
    }
  }

  void barrier() override {
    drain();
    check(MPI_Barrier(comm_), "MPI_Barrier");
  }

  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  struct Pending {
    std::string buffer;
    MPI_Request request;
  };
  void reap() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? pending_.erase(it) : std::next(it);
    }
  }
  void drain() {
    for (auto& p : pending_) MPI_Wait(&p.request, MPI_STATUS_IGNORE);
    pending_.clear();
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::list<Pending> pending_;
};

}  // namespace

namespace {
// A process started by mpirun/mpiexec (Open MPI, PMIx, Hydra or SLURM's srun with PMI) carries
// one of these. A plain process stays serial and never touches MPI, so kanscan runs on a laptop
// without a launcher and plain runs pay no MPI start-up.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

World::World(int& argc, char**& argv) {
  if (!launched_by_mpi()) {
    comm_ = std::make_unique<SerialCommunicator>();
    return;
  }
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as return codes (turned into exceptions) instead of aborting the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  comm_ = std::make_unique<MpiCommunicator>();
  mpi_ = true;
}

World::~World() {
  comm_.reset();
  if (!mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool World::built_with_mpi() { return true; }

}  // namespace kanscan
