// The scan driver on 1..4 in-process thread-ranks (ThreadCommunicator) with the deterministic
// synthetic trial: exactly-once, bitwise-identical results across rank counts, failures as
// data, stop + resume, and resume with a changed scan definition.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <thread>

#include "tests/scans/scan_test_util.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::test;

namespace {

scans::RunOptions options(const TempDir& dir, const std::string& out, bool resume = false) {
  scans::RunOptions o;
  o.scan_path = (dir / "scan.yaml").string();
  o.out = (dir / out).string();
  o.resume = resume;
  o.publish_seconds = 0.05;
  o.progress_seconds = 1000;
  return o;
}

}  // namespace

TEST(ScanThreads, EveryTrialExactlyOnceAndBitwiseIdenticalAcrossRankCounts) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  const auto ids = expansion_ids((dir / "scan.yaml").string());
  ASSERT_EQ(ids.size(), 28u);  // kan: (2 at depth 0 + 8) x 2 seeds; mlp: 4 x 2 seeds
  std::map<std::string, std::string> reference;
  for (int ranks = 1; ranks <= 4; ++ranks) {
    const std::string out = "r" + std::to_string(ranks) + ".h5";
    const std::string runlog = (dir / ("runs" + std::to_string(ranks))).string();
    setenv("KANSCAN_TEST_RUN_LOG", runlog.c_str(), 1);
    ASSERT_EQ(run_on_threads(ranks, options(dir, out)), 0) << ranks << " ranks";
    unsetenv("KANSCAN_TEST_RUN_LOG");
    const auto recs = journal_records((dir / out).string());
    std::set<std::string> got;
    for (const auto& r : recs) EXPECT_TRUE(got.insert(r.trial_id).second) << "duplicate " << r.trial_id;
    EXPECT_EQ(got, std::set<std::string>(ids.begin(), ids.end())) << ranks << " ranks";
    EXPECT_EQ(trials_rows((dir / out).string()), 28);
    for (const auto& [id, n] : count_lines(read_file(runlog))) EXPECT_EQ(n, 1) << id << " ran " << n << " times";
    EXPECT_EQ(count_lines(read_file(runlog)).size(), 28u);
    int failed = 0;
    for (const auto& r : recs) {
      if (!r.outcome.ok) {
        ++failed;
        EXPECT_TRUE(r.outcome.error.find("diverged") != std::string::npos ||
                    r.outcome.error.find("width 13 throws") != std::string::npos)
            << r.outcome.error;
      }
      const std::string bytes = result_bytes(r);
      if (ranks == 1) reference[r.trial_id] = bytes;
      else EXPECT_EQ(bytes, reference[r.trial_id]) << "trial " << r.trial_id << " differs at " << ranks << " ranks";
    }
    EXPECT_EQ(failed, 8);  // width 7 diverges, width 13 throws: 2 grids x 2 seeds each
  }
}

TEST(ScanThreads, StopThenResumeRunsEachTrialOnceAndNeverRerunsFinishedOnes) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  const auto ids = expansion_ids((dir / "scan.yaml").string());
  std::atomic<bool> stop{false};
  auto opts = options(dir, "s.h5");
  opts.external_stop = &stop;
  const std::string log1 = (dir / "runs1").string(), log2 = (dir / "runs2").string();
  setenv("KANSCAN_TEST_RUN_LOG", log1.c_str(), 1);
  std::thread stopper([&] {
    // Stop once a few trials are in the journal (the scan itself takes ~0.5 s on 3 ranks).
    for (int i = 0; i < 2000 && journal_count((dir / "s.h5").string()) < 6; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    stop = true;
  });
  const int code = run_on_threads(3, opts, 10);
  stopper.join();
  EXPECT_EQ(code, scans::kExitInterrupted);
  const auto first = journal_records((dir / "s.h5").string());
  ASSERT_GE(first.size(), 6u);
  ASSERT_LT(first.size(), ids.size());
  EXPECT_EQ(trials_rows((dir / "s.h5").string()), static_cast<long long>(first.size()));  // published on stop

  setenv("KANSCAN_TEST_RUN_LOG", log2.c_str(), 1);
  EXPECT_EQ(run_on_threads(2, options(dir, "s.h5", true)), 0);
  unsetenv("KANSCAN_TEST_RUN_LOG");
  const auto all = journal_records((dir / "s.h5").string());
  std::set<std::string> got;
  for (const auto& r : all) EXPECT_TRUE(got.insert(r.trial_id).second) << "duplicate " << r.trial_id;
  EXPECT_EQ(got, std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_EQ(trials_rows((dir / "s.h5").string()), static_cast<long long>(ids.size()));
  const auto rerun = count_lines(read_file(log2));
  for (const auto& r : first) EXPECT_EQ(rerun.count(r.trial_id), 0u) << "finished trial " << r.trial_id << " ran again";
  for (const auto& [id, n] : rerun) EXPECT_EQ(n, 1) << id;
}

TEST(ScanThreads, ResumeWithAddedSeedRunsOnlyNewTrials) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  ASSERT_EQ(run_on_threads(2, options(dir, "a.h5")), 0);
  std::string more = kThreadScan;
  more.replace(more.find("seeds: [1, 2]"), 13, "seeds: [1, 2, 3]");
  write_file(dir / "scan.yaml", more);
  const std::string log = (dir / "runs").string();
  setenv("KANSCAN_TEST_RUN_LOG", log.c_str(), 1);
  EXPECT_EQ(run_on_threads(2, options(dir, "a.h5", true)), 0);
  unsetenv("KANSCAN_TEST_RUN_LOG");
  EXPECT_EQ(count_lines(read_file(log)).size(), 14u);  // only the seed-3 trials
  EXPECT_EQ(journal_records((dir / "a.h5").string()).size(), 42u);
  EXPECT_EQ(trials_rows((dir / "a.h5").string()), 42);
}

TEST(ScanThreads, ResumeWithRemovedTrialsIsRefused) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  ASSERT_EQ(run_on_threads(1, options(dir, "b.h5")), 0);
  std::string fewer = kThreadScan;
  fewer.replace(fewer.find("seeds: [1, 2]"), 13, "seeds: [1]");
  write_file(dir / "scan.yaml", fewer);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_on_threads(2, options(dir, "b.h5", true)), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("cannot resume"), std::string::npos) << err;
  EXPECT_NE(err.find("14 finished trial(s) that this scan definition no longer defines"), std::string::npos) << err;
  EXPECT_EQ(journal_records((dir / "b.h5").string()).size(), 28u);  // nothing changed
  EXPECT_EQ(trials_rows((dir / "b.h5").string()), 28);
  EXPECT_FALSE(std::filesystem::exists(dir / "b.h5.work"));
}

TEST(ScanThreads, ExistingResultsWithoutResumeAreRefused) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  ASSERT_EQ(run_on_threads(1, options(dir, "c.h5")), 0);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_on_threads(3, options(dir, "c.h5")), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("pass --resume"), std::string::npos) << err;
  EXPECT_EQ(trials_rows((dir / "c.h5").string()), 28);
}

TEST(ScanThreads, ResumeOfACompleteScanRunsNothing) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  ASSERT_EQ(run_on_threads(2, options(dir, "d.h5")), 0);
  const std::string log = (dir / "runs").string();
  setenv("KANSCAN_TEST_RUN_LOG", log.c_str(), 1);
  EXPECT_EQ(run_on_threads(2, options(dir, "d.h5", true)), 0);
  unsetenv("KANSCAN_TEST_RUN_LOG");
  EXPECT_TRUE(read_file(log).empty());
  EXPECT_EQ(trials_rows((dir / "d.h5").string()), 28);
}

TEST(ScanThreads, BadConfigGivesExit2OnEveryRank) {
  TempDir dir;
  write_file(dir / "scan.yaml", std::string(kThreadScan) + "bogus: 1\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_on_threads(3, options(dir, "e.h5")), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("bogus: unknown key"), std::string::npos) << err;
  EXPECT_EQ(err.find("bogus", err.find("bogus") + 10), std::string::npos) << "reported more than once: " << err;
  EXPECT_FALSE(std::filesystem::exists(dir / "e.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir / "e.h5.journal"));
}

TEST(ScanThreads, ResumeWithNothingToContinueStartsTheScan) {
  TempDir dir;
  write_file(dir / "scan.yaml", kThreadScan);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_on_threads(2, options(dir, "f.h5", true)), 0);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("no earlier run of this scan"), std::string::npos) << err;
  EXPECT_EQ(err.find("definition changed"), std::string::npos) << err;
  EXPECT_EQ(trials_rows((dir / "f.h5").string()), 28);
}
