#pragma once
// Dynamic task farming over a Communicator (DeepHyper-style: rank 0 manages, idle workers pull
// the next task). Tasks and results are opaque bytes: the scheduler knows nothing of trials (the
// driver encodes them, scans/trial_codec.hpp). Tasks are handed out in the order given -- the
// driver sorts them most expensive first -- so that uneven costs do not leave ranks idle at the
// end (LPT scheduling).
//
// Rank 0's main thread is the coordinator (it alone talks to the other ranks and reports
// results); a worker thread on rank 0 also runs tasks, so N ranks give N task slots. Every other
// rank runs each task on a helper thread while its main thread listens for a cancel message.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "framework/communicator.hpp"

namespace kanscan::scans {

// What came back for one task.
struct TaskResult {
  std::string bytes;       // the task function's result
  bool cancelled = false;  // stopped by cancel: not a result (the task is handed out again, or left for resume)
  std::string error;       // the task function threw: its message (bytes is then empty)
};

// Runs one task; must not touch the communicator (it runs on a helper thread). It may throw:
// the scheduler reports the message as TaskResult::error.
using TaskFn = std::function<TaskResult(const std::string& task, const std::atomic<bool>& cancel)>;
// Called on rank 0's main thread for every finished task (cancelled ones are not reported).
using ResultFn = std::function<void(std::size_t index, TaskResult&& result, int rank)>;
// True once the scan must stop (signal): no new tasks, in-flight tasks are cancelled.
using StopFn = std::function<bool()>;

struct SchedulerOptions {
  bool coordinator_runs_tasks = true;
  std::chrono::milliseconds poll{5};
  // After a stop, how long to wait for cancelled tasks to come back before giving up on them.
  std::chrono::milliseconds stop_grace{30000};
};

struct ScheduleStats {
  std::size_t completed = 0;
  std::size_t cancelled = 0;  // in flight when the stop came: they rerun on resume
  bool stopped = false;
  bool abandoned = false;     // some rank did not answer within stop_grace
  std::vector<std::size_t> tasks_per_rank;
};

// Rank 0. `tasks[i]` is task i; `order` lists the indices to run, first first. Every rank must
// call coordinate() (rank 0) or work() (the others); coordinate returns when every task of
// `order` is done or the scan stopped.
ScheduleStats coordinate(Communicator& comm, const std::vector<std::string>& tasks,
                         const std::vector<std::size_t>& order, const TaskFn& fn, const ResultFn& on_result,
                         const StopFn& stop, const SchedulerOptions& opts = {});
// Rank 0 after coordinate(): tells every worker the collective exit code and waits for them.
void finish_workers(Communicator& comm, int exit_code);
// Ranks > 0: pull tasks until told to stop; returns the collective exit code.
int work(Communicator& comm, const TaskFn& fn, const StopFn& stop);

}  // namespace kanscan::scans
