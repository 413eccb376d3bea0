// The scheduler farms opaque byte tasks: every task runs exactly once on some rank, results come
// back byte for byte, failures and cancellations are reported as such, and a stop leaves the
// rest undone. Thread-ranks in one process (ThreadCommunicator); no trial, no io/.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "framework/thread_communicator.hpp"
#include "scans/scheduler.hpp"

using namespace kanscan;
using namespace kanscan::scans;

namespace {

// Task i: bytes with a NUL and high bytes in them, so nothing treats them as text.
std::string task_bytes(std::size_t i) {
  std::string t = "task" + std::to_string(i);
  t.push_back('\0');
  t.push_back(static_cast<char>(0xff - i % 7));
  return t;
}

// The result is a pure function of the task bytes (reversed, then a marker).
TaskResult reverse_task(const std::string& task, const std::atomic<bool>&) {
  TaskResult r;
  r.bytes.assign(task.rbegin(), task.rend());
  r.bytes += "|done";
  return r;
}

struct FarmRun {
  std::map<std::size_t, std::vector<TaskResult>> results;  // per task index, every report
  ScheduleStats stats;
  std::vector<int> codes;
};

FarmRun farm(int ranks, const std::vector<std::string>& tasks, const std::vector<std::size_t>& order, const TaskFn& fn,
         const StopFn& stop = [] { return false; }, bool coordinator_runs = true) {
  FarmRun run;
  run.codes.assign(static_cast<std::size_t>(ranks), -1);
  std::mutex m;
  ThreadWorld world(ranks);
  world.run([&](Communicator& c) {
    if (c.rank() != 0) {
      run.codes[static_cast<std::size_t>(c.rank())] = work(c, fn, stop);
      return;
    }
    SchedulerOptions o;
    o.coordinator_runs_tasks = coordinator_runs;
    o.stop_grace = std::chrono::milliseconds(5000);
    run.stats = coordinate(
        c, tasks, order, fn,
        [&](std::size_t index, TaskResult&& r, int) {
          std::lock_guard<std::mutex> lock(m);
          run.results[index].push_back(std::move(r));
        },
        stop, o);
    finish_workers(c, 7);
    run.codes[0] = 7;
  });
  return run;
}

std::vector<std::string> make_tasks(std::size_t n) {
  std::vector<std::string> t;
  for (std::size_t i = 0; i < n; ++i) t.push_back(task_bytes(i));
  return t;
}

std::vector<std::size_t> all(std::size_t n) {
  std::vector<std::size_t> o(n);
  for (std::size_t i = 0; i < n; ++i) o[i] = i;
  return o;
}

}  // namespace

TEST(Scheduler, EveryTaskExactlyOnceWithItsOwnResultOnOneToFourRanks) {
  const auto tasks = make_tasks(40);
  for (int ranks = 1; ranks <= 4; ++ranks) {
    for (bool coordinator_runs : {true, false}) {
      if (ranks == 1 && !coordinator_runs) continue;
      SCOPED_TRACE(std::to_string(ranks) + " ranks, coordinator runs tasks: " + std::to_string(coordinator_runs));
      const FarmRun run = farm(ranks, tasks, all(tasks.size()), reverse_task, [] { return false; }, coordinator_runs);
      ASSERT_EQ(run.results.size(), tasks.size());
      for (const auto& [i, rs] : run.results) {
        ASSERT_EQ(rs.size(), 1u) << "task " << i << " reported " << rs.size() << " times";
        EXPECT_EQ(rs[0].bytes, reverse_task(tasks[i], {}).bytes);
        EXPECT_TRUE(rs[0].error.empty());
      }
      EXPECT_EQ(run.stats.completed, tasks.size());
      std::size_t sum = 0;
      for (auto n : run.stats.tasks_per_rank) sum += n;
      EXPECT_EQ(sum, tasks.size());
      if (!coordinator_runs) {
        EXPECT_EQ(run.stats.tasks_per_rank[0], 0u);
      }
      for (int c : run.codes) EXPECT_EQ(c, 7);  // every rank gets the collective exit code
    }
  }
}

TEST(Scheduler, RunsOnlyTheGivenOrderFirstFirst) {
  const auto tasks = make_tasks(10);
  std::vector<std::size_t> seen;
  std::mutex m;
  const TaskFn fn = [&](const std::string& t, const std::atomic<bool>& c) {
    std::lock_guard<std::mutex> lock(m);
    seen.push_back(static_cast<std::size_t>(std::find(tasks.begin(), tasks.end(), t) - tasks.begin()));
    return reverse_task(t, c);
  };
  const FarmRun run = farm(1, tasks, {9, 3, 5}, fn);
  EXPECT_EQ(seen, (std::vector<std::size_t>{9, 3, 5}));
  EXPECT_EQ(run.results.size(), 3u);
}

TEST(Scheduler, AThrowingTaskIsReportedAsAnErrorAndTheOthersGoOn) {
  const auto tasks = make_tasks(12);
  const TaskFn fn = [&](const std::string& t, const std::atomic<bool>& c) {
    if (t == tasks[5]) throw std::runtime_error("task 5 breaks");
    return reverse_task(t, c);
  };
  for (int ranks : {1, 3}) {
    const FarmRun run = farm(ranks, tasks, all(tasks.size()), fn);
    ASSERT_EQ(run.results.size(), tasks.size());
    EXPECT_EQ(run.results.at(5)[0].error, "task 5 breaks");
    EXPECT_TRUE(run.results.at(5)[0].bytes.empty());
    EXPECT_EQ(run.results.at(4)[0].bytes, reverse_task(tasks[4], {}).bytes);
  }
}

TEST(Scheduler, AStopCancelsInFlightTasksAndLeavesTheRestUndone) {
  const auto tasks = make_tasks(30);
  std::atomic<int> finished{0};
  std::atomic<bool> stop{false};
  const TaskFn fn = [&](const std::string& t, const std::atomic<bool>& cancel) {
    for (int i = 0; i < 200 && !cancel; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    TaskResult r;
    if (cancel) {
      r.cancelled = true;
      return r;
    }
    if (++finished >= 4) stop = true;
    return reverse_task(t, cancel);
  };
  const FarmRun run = farm(3, tasks, all(tasks.size()), fn, [&] { return stop.load(); });
  EXPECT_TRUE(run.stats.stopped);
  EXPECT_LT(run.results.size(), tasks.size());
  EXPECT_GE(run.results.size(), 4u);
  for (const auto& [i, rs] : run.results) {
    EXPECT_EQ(rs.size(), 1u);
    EXPECT_FALSE(rs[0].cancelled) << "cancelled tasks are not results";
  }
}
