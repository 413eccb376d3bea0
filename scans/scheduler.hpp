#pragma once
// Dynamic trial scheduling over a Communicator (DeepHyper-style: rank 0 manages, idle workers
// pull the next trial). Trials are handed out in the order given -- most expensive first -- so
// that uneven trial costs do not leave ranks idle at the end (LPT scheduling).
//
// Rank 0's main thread is the coordinator (it alone talks MPI and writes results); a worker
// thread on rank 0 also runs trials, so N ranks give N trial slots. All worker ranks run each
// trial on a helper thread while their main thread listens for a cancel message.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "framework/communicator.hpp"
#include "types/trial.hpp"

namespace kanscan::scans {

// Runs one trial; must not touch the communicator (it runs on a helper thread).
using TrialFn = std::function<TrialOutcome(const TrialConfig&, const std::atomic<bool>& cancel)>;
// Called on rank 0's main thread for every finished trial (cancelled trials are not reported).
using ResultFn = std::function<void(std::size_t index, TrialOutcome&& outcome, int rank)>;
// True once the scan must stop (signal): no new trials, in-flight trials are cancelled.
using StopFn = std::function<bool()>;

struct SchedulerOptions {
  bool coordinator_runs_trials = true;
  std::chrono::milliseconds poll{5};
  // After a stop, how long to wait for cancelled trials to come back before giving up on them.
  std::chrono::milliseconds stop_grace{30000};
};

struct ScheduleStats {
  std::size_t completed = 0;
  std::size_t cancelled = 0;  // in flight when the stop came: they rerun on resume
  bool stopped = false;
  bool abandoned = false;     // some rank did not answer within stop_grace
  std::vector<std::size_t> trials_per_rank;
};

// Wire form of a trial config (canonical JSON + id, block label, threads).
std::string encode_trial(const TrialConfig& cfg, const std::string& canonical_json);
TrialConfig decode_trial(const std::string& bytes);

// Rank 0. `jobs[i]` is the encoded trial i; `order` lists the indices to run, first first.
// Every rank must call coordinate() (rank 0) or work() (others); returns when all are done or
// stopped. `exit_code` is handed to the workers as the scan's collective exit code... set later
// by finish_workers().
ScheduleStats coordinate(Communicator& comm, const std::vector<std::string>& jobs, const std::vector<std::size_t>& order,
                         const TrialFn& fn, const ResultFn& on_result, const StopFn& stop,
                         const SchedulerOptions& opts = {});
// Rank 0 after coordinate(): tells every worker the collective exit code and waits for them.
void finish_workers(Communicator& comm, int exit_code);
// Ranks > 0: pull trials until told to stop; returns the collective exit code.
int work(Communicator& comm, const TrialFn& fn, const StopFn& stop);

}  // namespace kanscan::scans
