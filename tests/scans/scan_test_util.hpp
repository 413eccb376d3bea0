#pragma once
// Shared helpers of the scan tests: run a scan on N thread-ranks with the synthetic trial, and
// read back what the journal recorded.
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "framework/thread_communicator.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/journal.hpp"
#include "scans/driver.hpp"
#include "scans/expand.hpp"
#include "tests/scans/synthetic_trial.hpp"

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
