// The scan driver over real MPI (run by ctest at 1, 2 and 3 ranks) with the deterministic
// synthetic trial: every trial runs exactly once, and every recorded result is bitwise equal to
// running the same trial directly in this process.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "framework/communicator.hpp"
#include "scans/trial_codec.hpp"
#include "tests/scans/scan_test_util.hpp"
#include "tests/support/support.hpp"

namespace kanscan::test {
extern Communicator* g_world;
}
using namespace kanscan;
using namespace kanscan::test;

TEST(MpiScan, ExactlyOnceAndBitwiseEqualToDirectRuns) {
  Communicator& comm = *g_world;
  std::unique_ptr<TempDir> dir;
  std::string path;
  if (comm.rank() == 0) {
    dir = std::make_unique<TempDir>();
    path = dir->path().string();
    write_file(dir->path() / "scan.yaml", kThreadScan);
  }
  path = comm.broadcast(0, path, 4242);
  const std::string runlog = path + "/runs";
  setenv("KANSCAN_TEST_RUN_LOG", runlog.c_str(), 1);
  scans::RunOptions o;
  o.scan_path = path + "/scan.yaml";
  o.out = path + "/mpi.h5";
  o.progress_seconds = 1000;
  const int code = scans::run_scan(comm, o, synthetic_hooks(3));
  unsetenv("KANSCAN_TEST_RUN_LOG");
  EXPECT_EQ(code, 0);
  comm.barrier();
  if (comm.rank() != 0) return;

  const auto scan = io::load_scan_config(o.scan_path);
  const auto ex = scans::expand(scan, 1);
  const auto recs = journal_records(o.out);
  ASSERT_EQ(recs.size(), ex.trials.size());
  std::map<std::string, io::TrialRecord> by_id;
  for (const auto& r : recs) EXPECT_TRUE(by_id.emplace(r.trial_id, r).second) << "duplicate " << r.trial_id;
  for (const auto& [id, n] : count_lines(read_file(runlog))) EXPECT_EQ(n, 1) << id << " ran " << n << " times";
  EXPECT_EQ(trials_rows(o.out), static_cast<long long>(ex.trials.size()));

  const DataSplit data = synthetic_data(scan.data, scan.task);
  scans::DataShape shape{4, 1, 60, false};
  for (const auto& t : ex.trials) {
    ASSERT_TRUE(by_id.count(t.config.trial_id)) << "missing " << t.config.trial_id;
    const TrialConfig cfg = scans::decode_trial(scans::encode_trial(t.config));
    io::TrialRecord ref{cfg.trial_id, cfg.model_name, t.canonical, {}};
    try {
      ref.outcome = synthetic_trial(cfg, data, nullptr, 0);
    } catch (const std::exception& e) {
      ref.outcome.ok = false;
      ref.outcome.error = e.what();
    }
    if (ref.outcome.n_params == 0) ref.outcome.n_params = scans::parameter_count(cfg, shape);
    EXPECT_EQ(result_bytes(by_id.at(cfg.trial_id)), result_bytes(ref)) << "trial " << cfg.trial_id;
  }
}
