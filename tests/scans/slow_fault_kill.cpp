// Fault tests with the real binary and trainer: kill -9 the coordinator (rank 0), a worker
// (rank 1), or a plain single process at several moments of a scan, then --resume. After every
// kill the results file must open; after the resume the trial ids equal the expansion, each
// exactly once, trials finished before the kill are not rerun (the resume schedules exactly
// the missing ones and the journal's earlier records are untouched), and every result is
// bitwise identical to an uninterrupted run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "tests/scans/scan_test_util.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::test;

namespace {

const char* kScan =
    "name: fault\n"
    "task: classification\n"
    "data:\n"
    "  generator: tth_thq\n"
    "  events: 20000\n"
    "  seed: 3\n"
    "train:\n"
    "  epochs: 4\n"
    "  batch_size: 256\n"
    "  early_stopping: {patience: 0}\n"
    "seeds: [1, 2, 3]\n"
    "models:\n"
    "  - type: kan\n"
    "    depth: 1\n"
    "    width: [4, 8]\n"
    "    grid_size: [3, 5]\n"
    "  - type: mlp\n"
    "    depth: [1, 2]\n"
    "    width: [16, 32]\n";

std::size_t records_now(const std::string& out) {
  return journal_count(out);
}

std::string cmd(int ranks, const TempDir& dir, const std::string& out, bool resume) {
  return (ranks > 0 ? mpiexec_prefix(ranks) : std::string()) + kanscan_binary() + " run " + (dir / "scan.yaml").string() +
         " --out " + (dir / out).string() + " --cache-dir " + (dir / "cache").string() + " --publish-seconds 0.1" +
         (resume ? " --resume" : "") + " > " + (dir / (out + ".log")).string() + " 2>&1";
}

class FaultKill : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "scan.yaml", kScan);
    ids_ = expansion_ids((dir_ / "scan.yaml").string());
    ASSERT_EQ(ids_.size(), 24u);
    // Uninterrupted reference run (also generates the cached data).
    const auto r = run_command(cmd(0, dir_, "ref.h5", false));
    ASSERT_EQ(r.exit_code, 0) << read_file(dir_ / "ref.h5.log");
    for (const auto& rec : journal_records((dir_ / "ref.h5").string())) reference_[rec.trial_id] = result_bytes(rec);
    ASSERT_EQ(reference_.size(), 24u);
  }

  // Runs the scan, kill -9s `victim` (a rank, or the process itself when ranks == 0) once
  // `after` trials are recorded, checks the file, and returns the records before the resume.
  std::vector<io::TrialRecord> run_and_kill(int ranks, int victim, const std::string& out, std::size_t after,
                                            bool resume) {
    const std::string path = (dir_ / out).string();
    const pid_t launcher = launch(cmd(ranks, dir_, out, resume));
    const std::size_t start = records_now(path);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (records_now(path) < start + after && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const pid_t target = ranks > 0 ? rank_pid(launcher, victim) : launcher;
    EXPECT_GT(target, 0);
    if (target > 0) kill(target, SIGKILL);
    const int code = wait_for(launcher, std::chrono::seconds(60));
    EXPECT_NE(code, 0) << "the scan finished before the kill";
    // Whatever the moment, the results file opens and holds no more than the journal.
    const auto recs = journal_records(path);
    const long long rows = trials_rows(path);
    EXPECT_GE(rows, 0) << "results file does not open after kill -9";
    EXPECT_LE(rows, static_cast<long long>(recs.size()));
    return recs;
  }

  void resume_and_check(int ranks, const std::string& out, const std::vector<io::TrialRecord>& before) {
    const std::string path = (dir_ / out).string();
    const auto r = run_command(cmd(ranks, dir_, out, true));
    const std::string log = read_file(dir_ / (out + ".log"));
    ASSERT_EQ(r.exit_code, 0) << log;
    std::set<std::string> done_before;
    for (const auto& rec : before) done_before.insert(rec.trial_id);
    EXPECT_NE(log.find(fmt::format("resume: {} of 24 trials already recorded", done_before.size())), std::string::npos) << log;
    EXPECT_NE(log.find(fmt::format("running {} trials", 24 - done_before.size())), std::string::npos) << log;
    const auto after = journal_records(path);
    ASSERT_EQ(after.size(), 24u);
    std::set<std::string> got;
    for (const auto& rec : after) EXPECT_TRUE(got.insert(rec.trial_id).second) << "duplicate " << rec.trial_id;
    EXPECT_EQ(got, std::set<std::string>(ids_.begin(), ids_.end()));
    for (std::size_t i = 0; i < before.size(); ++i)  // earlier records untouched, same order
      EXPECT_EQ(io::serialize(after[i]), io::serialize(before[i]));
    for (const auto& rec : after) EXPECT_EQ(result_bytes(rec), reference_[rec.trial_id]) << rec.trial_id;
    EXPECT_EQ(trials_rows(path), 24);
  }

  TempDir dir_;
  std::vector<std::string> ids_;
  std::map<std::string, std::string> reference_;
};

}  // namespace

TEST_F(FaultKill, KillCoordinatorThenResume) {
  const auto before = run_and_kill(2, 0, "coord.h5", 5, false);
  ASSERT_GE(before.size(), 5u);
  resume_and_check(2, "coord.h5", before);
}

TEST_F(FaultKill, KillWorkerThenResume) {
  const auto before = run_and_kill(3, 1, "worker.h5", 5, false);
  ASSERT_GE(before.size(), 5u);
  resume_and_check(3, "worker.h5", before);
}

TEST_F(FaultKill, RepeatedKillsOfAPlainProcessThenResume) {
  // Kill at several moments, resuming in between; then finish on 2 ranks.
  std::vector<io::TrialRecord> before = run_and_kill(0, 0, "plain.h5", 2, false);
  for (std::size_t after : {1u, 3u, 2u}) before = run_and_kill(0, 0, "plain.h5", after, true);
  ASSERT_LT(before.size(), 24u);
  resume_and_check(2, "plain.h5", before);
}

TEST_F(FaultKill, SigtermAndSigintStopCleanlyAndResumeContinues) {
  const std::string out = "sig.h5", path = (dir_ / out).string();
  std::vector<io::TrialRecord> before;
  for (int sig : {SIGTERM, SIGINT}) {
    const bool resume = sig == SIGINT;
    const pid_t pid = launch(cmd(0, dir_, out, resume));
    const std::size_t start = records_now(path);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (records_now(path) < start + 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(pid, sig);
    EXPECT_EQ(wait_for(pid, std::chrono::seconds(60)), 128 + sig);
    const std::string log = read_file(dir_ / (out + ".log"));
    EXPECT_NE(log.find(sig == SIGTERM ? "stopped by SIGTERM" : "stopped by SIGINT"), std::string::npos) << log;
    EXPECT_NE(log.find("--resume"), std::string::npos) << log;
    before = journal_records(path);
    // Stopped cleanly: the results file holds every recorded trial and no working file is left.
    EXPECT_EQ(trials_rows(path), static_cast<long long>(before.size()));
    EXPECT_FALSE(std::filesystem::exists(path + ".work"));
  }
  ASSERT_LT(before.size(), 24u);
  resume_and_check(2, out, before);
}
