#include "scans/scheduler.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace kanscan::scans {
namespace {

enum Tag : int { kReady = 7101, kAssign = 7102, kResult = 7103, kStop = 7104, kCancel = 7105, kLeave = 7106, kBye = 7107 };

std::string with_index(std::uint64_t index, const std::string& body) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &index, 8);
  return out + body;
}

std::uint64_t index_of(const std::string& bytes) {
  std::uint64_t i = 0;
  if (bytes.size() < 8) throw std::runtime_error("scheduler: malformed message");
  std::memcpy(&i, bytes.data(), 8);
  return i;
}

// A result on the wire: [index u64][kind u8][bytes or error message].
enum ResultKind : char { kDone = 0, kCancelled = 1, kFailed = 2 };

std::string encode_result(std::uint64_t index, const TaskResult& r) {
  const char kind = r.cancelled ? kCancelled : !r.error.empty() ? kFailed : kDone;
  return with_index(index, std::string(1, kind) + (kind == kFailed ? r.error : r.bytes));
}

TaskResult decode_result(const std::string& m) {
  if (m.size() < 9) throw std::runtime_error("scheduler: malformed result message");
  TaskResult r;
  const char kind = m[8];
  if (kind == kCancelled) r.cancelled = true;
  else if (kind == kFailed) r.error = m.substr(9);
  else r.bytes = m.substr(9);
  return r;
}

TaskResult run_guarded(const TaskFn& fn, const std::string& task, const std::atomic<bool>& cancel) {
  TaskResult r;
  try {
    r = fn(task, cancel);
  } catch (const std::exception& e) {
    r.error = e.what();
  } catch (...) {
    r.error = "unknown exception";
  }
  if (!r.cancelled && r.bytes.empty() && r.error.empty()) r.error = "the task returned nothing";
  return r;
}

// The task slot on rank 0: a thread fed through a one-task mailbox, so the coordinator never
// blocks on a task and keeps answering the other ranks.
class LocalWorker {
 public:
  explicit LocalWorker(const TaskFn& fn) : fn_(fn), thread_([this] { loop(); }) {}
  ~LocalWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void submit(std::size_t index, const std::string& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancel_ = false;
      job_ = std::make_pair(index, job);
    }
    cv_.notify_all();
  }
  void cancel() { cancel_ = true; }
  // Waits up to `timeout` for a finished task.
  std::optional<std::pair<std::size_t, TaskResult>> poll(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait_for(lock, timeout, [this] { return !results_.empty(); });
    if (results_.empty()) return std::nullopt;
    auto r = std::move(results_.front());
    results_.pop_front();
    return r;
  }

 private:
  void loop() {
    for (;;) {
      std::pair<std::size_t, std::string> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return quit_ || job_.has_value(); });
        if (quit_) return;
        job = std::move(*job_);
        job_.reset();
      }
      TaskResult out = run_guarded(fn_, job.second, cancel_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        results_.emplace_back(job.first, std::move(out));
      }
      done_cv_.notify_all();
    }
  }
  const TaskFn& fn_;
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  std::optional<std::pair<std::size_t, std::string>> job_;
  std::deque<std::pair<std::size_t, TaskResult>> results_;
  std::atomic<bool> cancel_{false};
  bool quit_ = false;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace

namespace {

// Rank 0's side of the farm: which slot runs what, the queue, and what came back.
class Coordinator {
 public:
  Coordinator(Communicator& comm, const std::vector<std::string>& tasks, const std::vector<std::size_t>& order,
              const TaskFn& fn, const ResultFn& on_result, const StopFn& stop, const SchedulerOptions& opts)
      : comm_(comm), size_(comm.size()), tasks_(tasks), on_result_(on_result), stop_(stop), opts_(opts),
        queue_(order.begin(), order.end()), remote_(static_cast<std::size_t>(size_)),
        use_local_(opts.coordinator_runs_tasks || size_ == 1) {
    stats_.tasks_per_rank.assign(static_cast<std::size_t>(size_), 0);
    if (use_local_) {
      local_.emplace(fn);
      local_slot_.ready = true;
    }
  }

  ScheduleStats run() {
    for (;;) {
      if (!stopping_ && stop_()) begin_stop();
      if (!stopping_) hand_out();
      // Report finished tasks only now, after their slots got new work: whatever the caller does
      // with a result (a journal fsync, an HDF5 write) then overlaps with work instead of idling a worker.
      for (auto& [rank, index, out] : finished_now_) finished(rank, index, std::move(out));
      finished_now_.clear();
      if (done()) break;
      wait();
    }
    return stats_;
  }

 private:
  struct Slot {
    bool ready = false, busy = false, leaving = false;
    std::size_t index = 0;
  };
  Slot& remote(int r) { return remote_[static_cast<std::size_t>(r)]; }

  void begin_stop() {
    stopping_ = true;
    stats_.stopped = true;
    stop_time_ = std::chrono::steady_clock::now();
    for (int r = 1; r < size_; ++r)
      if (remote(r).busy) comm_.send(r, kCancel, with_index(remote(r).index, ""));
    if (local_slot_.busy) local_->cancel();
  }

  // Remote ranks first (they have nothing else to do), then rank 0's thread.
  void hand_out() {
    for (int r = 1; r < size_ && !queue_.empty(); ++r) {
      Slot& s = remote(r);
      if (s.ready && !s.busy && !s.leaving) {
        s.index = next();
        s.busy = true;
        comm_.send(r, kAssign, with_index(s.index, tasks_[s.index]));
      }
    }
    if (use_local_ && !local_slot_.busy && !queue_.empty()) {
      local_slot_.index = next();
      local_slot_.busy = true;
      local_->submit(local_slot_.index, tasks_[local_slot_.index]);
    }
  }

  std::size_t next() {
    const std::size_t i = queue_.front();
    queue_.pop_front();
    return i;
  }

  void finished(int rank, std::size_t index, TaskResult&& out) {
    if (out.cancelled) {
      ++stats_.cancelled;
      if (!stopping_) queue_.push_front(index);  // a worker left: someone else runs it
      return;
    }
    ++stats_.completed;
    ++stats_.tasks_per_rank[static_cast<std::size_t>(rank)];
    on_result_(index, std::move(out), rank);
  }

  bool done() {
    std::size_t busy = local_slot_.busy ? 1 : 0;
    for (int r = 1; r < size_; ++r) busy += remote(r).busy;
    if (busy == 0 && (queue_.empty() || stopping_)) return true;
    bool all_gone = !use_local_;
    for (int r = 1; r < size_ && all_gone; ++r) all_gone = remote(r).leaving;
    if (busy == 0 && all_gone) {  // every worker left (signals on the workers only)
      stats_.stopped = true;
      return true;
    }
    if (stopping_ && std::chrono::steady_clock::now() - stop_time_ > opts_.stop_grace) {
      stats_.abandoned = true;
      return true;
    }
    return false;
  }

  // Waits for a message from a worker rank or a result of rank 0's thread.
  void wait() {
    if (size_ > 1) {
      if (auto m = comm_.recv_for(kAnySource, kAnyTag, local_slot_.busy ? opts_.poll : std::chrono::milliseconds(50))) {
        Slot& s = remote(m->source);
        switch (m->tag) {
          case kReady: s.ready = true; break;
          case kLeave: s.leaving = true; break;
          case kResult:
            s.busy = false;
            finished_now_.emplace_back(m->source, index_of(m->bytes), decode_result(m->bytes));
            break;
          default: break;
        }
      }
    }
    if (use_local_) {
      const auto wait = size_ > 1 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(100);
      if (auto r = local_->poll(wait)) {
        local_slot_.busy = false;
        finished_now_.emplace_back(0, r->first, std::move(r->second));
      }
    }
  }

  Communicator& comm_;
  const int size_;
  const std::vector<std::string>& tasks_;
  const ResultFn& on_result_;
  const StopFn& stop_;
  const SchedulerOptions& opts_;
  ScheduleStats stats_;
  std::deque<std::size_t> queue_;
  std::vector<Slot> remote_;
  const bool use_local_;
  std::optional<LocalWorker> local_;
  Slot local_slot_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_time_;
  std::vector<std::tuple<int, std::size_t, TaskResult>> finished_now_;
};

}  // namespace

ScheduleStats coordinate(Communicator& comm, const std::vector<std::string>& tasks,
                         const std::vector<std::size_t>& order, const TaskFn& fn, const ResultFn& on_result,
                         const StopFn& stop, const SchedulerOptions& opts) {
  return Coordinator(comm, tasks, order, fn, on_result, stop, opts).run();
}

void finish_workers(Communicator& comm, int exit_code) {
  const std::string code = std::to_string(exit_code);
  for (int r = 1; r < comm.size(); ++r) comm.send(r, kStop, code);
  int byes = 0;
  while (byes < comm.size() - 1) {
    const Message m = comm.recv(kAnySource, kAnyTag);
    if (m.tag == kBye) ++byes;
  }
}

int work(Communicator& comm, const TaskFn& fn, const StopFn& stop) {
  comm.send(0, kReady, "");
  bool leaving = false;
  for (;;) {
    auto m = comm.recv_for(0, kAnyTag, std::chrono::milliseconds(100));
    if (!m) {
      if (!leaving && stop()) {
        comm.send(0, kLeave, "");
        leaving = true;
      }
      continue;
    }
    if (m->tag == kStop) {
      comm.send(0, kBye, "");
      return std::stoi(m->bytes);
    }
    if (m->tag != kAssign) continue;  // a stale cancel for a task that already finished
    const std::uint64_t index = index_of(m->bytes);
    const std::string task = m->bytes.substr(8);
    std::atomic<bool> cancel{false}, done{false};
    TaskResult out;
    std::thread t([&] {
      out = run_guarded(fn, task, cancel);
      done = true;
    });
    while (!done) {
      if (auto c = comm.recv_for(0, kCancel, std::chrono::milliseconds(20)); c && index_of(c->bytes) == index) cancel = true;
      if (stop()) cancel = true;
    }
    t.join();
    comm.send(0, kResult, encode_result(index, out));
    if (!leaving && stop()) {
      comm.send(0, kLeave, "");
      leaving = true;
    }
  }
}

}  // namespace kanscan::scans
