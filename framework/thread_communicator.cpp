#include "framework/thread_communicator.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace kanscan {

ThreadWorld::ThreadWorld(int size) : size_(size) {
  if (size < 1) throw std::invalid_argument("ThreadWorld: size must be >= 1");
  for (int r = 0; r < size; ++r) {
    boxes_.push_back(std::make_unique<Mailbox>());
    comms_.push_back(std::make_unique<ThreadCommunicator>(*this, r));
  }
}

void ThreadWorld::run(const std::function<void(Communicator&)>& fn) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(size_));
  std::vector<std::thread> threads;
  for (int r = 0; r < size_; ++r) {
    threads.emplace_back([&, r] {
      try {
        fn(comm(r));
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

int ThreadCommunicator::size() const { return world_.size(); }

void ThreadCommunicator::send(int dest, int tag, const std::string& bytes) {
  if (dest < 0 || dest >= world_.size())
    throw std::logic_error("ThreadCommunicator: send to rank " + std::to_string(dest));
  auto& box = *world_.boxes_[static_cast<std::size_t>(dest)];
  {
    std::lock_guard<std::mutex> lock(box.mutex);
    box.queue.push_back(Message{rank_, tag, bytes});
  }
  box.cv.notify_all();
}

std::optional<Message> ThreadCommunicator::recv_for(int source, int tag, std::chrono::milliseconds timeout) {
  auto& box = *world_.boxes_[static_cast<std::size_t>(rank_)];
  std::unique_lock<std::mutex> lock(box.mutex);
  std::optional<Message> out;
  // First match in arrival order keeps MPI's per-(source, tag) ordering.
  auto take = [&] {
    for (auto it = box.queue.begin(); it != box.queue.end(); ++it) {
      if ((source == kAnySource || it->source == source) && (tag == kAnyTag || it->tag == tag)) {
        out = std::move(*it);
        box.queue.erase(it);
        return true;
      }
    }
    return false;
  };
  box.cv.wait_for(lock, timeout, take);
  return out;
}

Message ThreadCommunicator::recv(int source, int tag) {
  for (;;) {
    auto m = recv_for(source, tag, std::chrono::hours(1));
    if (m) return std::move(*m);
  }
}

void ThreadCommunicator::barrier() {
  std::unique_lock<std::mutex> lock(world_.barrier_mutex_);
  const std::uint64_t generation = world_.barrier_generation_;
  if (++world_.barrier_waiting_ == world_.size()) {
    world_.barrier_waiting_ = 0;
    ++world_.barrier_generation_;
    world_.barrier_cv_.notify_all();
    return;
  }
  world_.barrier_cv_.wait(lock, [&] { return world_.barrier_generation_ != generation; });
}

void ThreadCommunicator::abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace kanscan
