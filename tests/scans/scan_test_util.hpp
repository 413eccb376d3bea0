#pragma once
// Shared helpers of the scan tests: run a scan on N thread-ranks with the synthetic trial, and
// read back what the journal recorded.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <string>
#include <vector>

#include "framework/thread_communicator.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/journal.hpp"
#include "scans/driver.hpp"
#include "scans/expand.hpp"
#include "tests/scans/synthetic_trial.hpp"
#include "tests/support/support.hpp"

namespace kanscan::test {

inline scans::Hooks synthetic_hooks(int sleep_ms) {
  scans::Hooks h;
  h.load_data = [](const DataConfig& cfg, Task task, const std::string&) { return synthetic_data(cfg, task); };
  h.run_trial = [sleep_ms](const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel) {
    return synthetic_trial(cfg, data, cancel, sleep_ms);
  };
  return h;
}

// Runs the scan on `ranks` thread-ranks; every rank must return the same code.
inline int run_on_threads(int ranks, const scans::RunOptions& opts, int sleep_ms = 3) {
  ThreadWorld world(ranks);
  std::vector<int> codes(static_cast<std::size_t>(ranks), -1);
  const auto hooks = synthetic_hooks(sleep_ms);
  world.run([&](Communicator& c) { codes[static_cast<std::size_t>(c.rank())] = scans::run_scan(c, opts, hooks); });
  for (int c : codes)
    if (c != codes[0]) return -1000;
  return codes[0];
}

// Trial records in the journal, in order (duplicates kept, so tests can see them).
inline std::vector<io::TrialRecord> journal_records(const std::string& out) {
  std::vector<io::TrialRecord> recs;
  io::Journal::read(out + ".journal", [&](io::JournalRecordType t, const std::string& payload) {
    if (t == io::JournalRecordType::trial) recs.push_back(io::deserialize_record(payload));
  });
  return recs;
}

// Records so far, 0 while the journal does not exist yet (for watchers of a running scan).
inline std::size_t journal_count(const std::string& out) {
  try {
    return journal_records(out).size();
  } catch (const std::exception&) {
    return 0;
  }
}

// Serialised outcome with the wall-clock field zeroed: what must be bitwise identical.
inline std::string result_bytes(io::TrialRecord r) {
  r.outcome.train_seconds = 0;
  return io::serialize(r);
}

inline std::vector<std::string> expansion_ids(const std::string& yaml_path) {
  const auto scan = io::load_scan_config(yaml_path);
  std::vector<std::string> ids;
  for (const auto& t : scans::expand(scan, 1).trials) ids.push_back(t.config.trial_id);
  return ids;
}

// Rows of /trials (the file must open: crash-safety check); -1 when the file does not open,
// -2 when it has no /trials.
inline long long trials_rows(const std::string& path) {
  try {
    const h5::File f(path, h5::File::Mode::read_only);
    const h5::Group root = f.root();
    if (!root.is_dataset("trials")) return -2;
    return static_cast<long long>(root.shape_of("trials").at(0));
  } catch (const std::exception&) {
    return -1;
  }
}

inline std::map<std::string, int> count_lines(const std::string& text) {
  std::map<std::string, int> n;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) ++n[line];
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return n;
}

// Starts `command` in the background (own process group); returns its pid.
inline pid_t launch(const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    // `env` keeps the pid: it execs the launcher (which may be prefixed by VAR=value settings).
    execl("/bin/sh", "sh", "-c", ("exec env " + command).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits for `pid`; after `timeout` kills its process group (only what this test started).
inline int wait_for(pid_t pid, std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

// The pid of MPI rank `rank` among the children of `parent` (Open MPI launches local ranks as
// children of mpiexec and sets OMPI_COMM_WORLD_RANK in their environment).
inline pid_t rank_pid(pid_t parent, int rank) {
  for (int attempt = 0; attempt < 500; ++attempt) {
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(e.path() / "stat");
      std::string pid_s, comm, state;
      long ppid = 0;
      if (!(stat >> pid_s >> comm >> state >> ppid) || ppid != parent) continue;
      const std::string env = read_file(e.path() / "environ");
      if (env.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + '\0') != std::string::npos) return std::stoi(name);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

inline const char* kThreadScan =
    "name: threads\n"
    "task: classification\n"
    "data: {generator: tth_thq, events: 100}\n"
    "train: {epochs: 3}\n"
    "seeds: [1, 2]\n"
    "models:\n"
    "  - type: kan\n"
    "    depth: [0, 1]\n"
    "    width: [4, 16, 7, 13]\n"
    "    grid_size: [3, 5]\n"
    "  - type: mlp\n"
    "    depth: [1, 2]\n"
    "    width: [8, 32]\n";

}  // namespace kanscan::test
