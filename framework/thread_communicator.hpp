#pragma once
// Ranks as threads in one process (XGBoost test_worker style): each rank has a mailbox guarded by
// a mutex/condvar, so distributed scheduling logic runs in plain unit tests, fast and
// sanitizer-friendly. Same semantics as MpiCommunicator: buffered sends, per (source, tag)
// non-overtaking order, matching on kAnySource/kAnyTag.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "framework/communicator.hpp"

namespace kanscan {

class ThreadWorld;

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadWorld& world, int rank) : world_(world), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override;
  void send(int dest, int tag, const std::string& bytes) override;
  Message recv(int source, int tag) override;
  std::optional<Message> recv_for(int source, int tag, std::chrono::milliseconds timeout) override;
  void barrier() override;
  // Threads cannot be killed one by one: aborting ends the whole test process, as MPI_Abort would.
  [[noreturn]] void abort(int exit_code) override;

 private:
  ThreadWorld& world_;
  int rank_;
};

// The shared state of N thread-ranks: mailboxes and a reusable barrier.
class ThreadWorld {
 public:
  explicit ThreadWorld(int size);
  int size() const { return size_; }
  Communicator& comm(int rank) { return *comms_.at(static_cast<std::size_t>(rank)); }

  // Runs fn(comm) on `size` threads, one per rank; rethrows the first exception after all joined.
  void run(const std::function<void(Communicator&)>& fn);

 private:
  friend class ThreadCommunicator;
  struct Mailbox {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Message> queue;
  };
  int size_;
  std::vector<std::unique_ptr<Mailbox>> boxes_;
  std::vector<std::unique_ptr<ThreadCommunicator>> comms_;
  std::mutex barrier_mutex_;
  std::condition_variable barrier_cv_;
  int barrier_waiting_ = 0;
  std::uint64_t barrier_generation_ = 0;
};

}  // namespace kanscan
