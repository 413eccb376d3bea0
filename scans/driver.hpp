#pragma once
// `kanscan run`: the whole scan on every rank (collective). Rank 0 parses, expands, loads the
// data first (generating and caching it), opens the results store and coordinates; the other
// ranks load the cached data afterwards and pull trials. Data loading and the trial function
// are injected so the same driver runs the real models (cmd_run.cpp) and deterministic test
// trials (tests/scans).
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "framework/communicator.hpp"
#include "types/dataset.hpp"
#include "types/trial.hpp"

namespace kanscan::scans {

struct RunOptions {
  std::string scan_path;
  std::vector<std::string> overrides;  // --set KEY=VALUE, applied on top of the YAML
  std::string out;             // "" = from the YAML (`output`) or <name>.h5
  std::string cache_dir;       // "" = from the YAML or kanscan-cache next to the results
  bool resume = false;
  int threads = -1;            // -1 = threads_per_trial from the YAML
  bool coordinator_runs_trials = true;
  double progress_seconds = 5.0;  // at most one progress line per interval
  double publish_seconds = 2.0;   // minimum interval between atomic results-file snapshots
  double stop_grace_seconds = 30.0;
  const std::atomic<bool>* external_stop = nullptr;  // tests: acts like a signal
};

struct Hooks {
  std::function<DataSplit(const DataConfig&, Task, const std::string& cache_dir)> load_data;
  std::function<TrialOutcome(const TrialConfig&, const DataSplit&, const std::atomic<bool>* cancel)> run_trial;
};

// Exit codes besides cli's 0/1/2: a scan stopped by SIGINT/SIGTERM exits 128 + signal
// (130 / 143) after flushing; `--resume` continues it.
inline constexpr int kExitInterrupted = 130;

// Runs the scan; every rank returns the same exit code (messages are printed on rank 0 only).
int run_scan(Communicator& comm, const RunOptions& opts, const Hooks& hooks);

// Installs SIGINT/SIGTERM handlers that only set a flag (async-signal-safe).
void install_signal_handlers();
int pending_signal();  // 0 when none
void reset_signal_for_tests();

}  // namespace kanscan::scans
