// Fault injection for write failures (a full disk) over `run`, `generate`, `predict` and
// `analyze`, through the real binary: tests/support/failwrite.c (LD_PRELOAD) lets writes under
// one folder succeed until a byte budget is spent, then fails them with ENOSPC, as a disk that
// fills up; budgets sweep the whole run, so the failure lands in the journal, the working HDF5
// file, a publish copy, the final rename's file... Every time: exit 1 with a message, never a
// signal; the published file is the previous good one or the new good one (h5py opens it, its
// trials are in the journal); the journal ends with a complete record and a resume completes
// the scan with every trial once, the journal's earlier records untouched; no temporary file
// is left behind.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "io/journal.hpp"
#include "tests/scans/scan_test_util.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::test;
namespace fs = std::filesystem;

namespace {

const char* kScan =
    "name: full\n"
    "task: classification\n"
    "data: {generator: tth_thq, events: 800, seed: 2}\n"
    "train: {epochs: 1, batch_size: 128}\n"
    "seeds: [1, 2]\n"
    "models:\n"
    "  - type: kan\n"
    "    depth: 1\n"
    "    width: [4, 6]\n"
    "    grid_size: 3\n"
    "  - type: mlp\n"
    "    depth: 1\n"
    "    width: [8, 16]\n";

std::string shim() { return std::string(KANSCAN_TEST_BINARY_DIR) + "/tests/support/failwrite.so"; }

// `command` with writes under `folder` failing after `budget` bytes (-1: never; the bytes
// written are then reported to `report`).
CommandResult run_limited(const fs::path& folder, long long budget, const std::string& command,
                          const fs::path& report = {}) {
  std::string env = "KANSCAN_FAILWRITE_DIR=" + folder.string() + " LD_PRELOAD=" + shim() +
                    " ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0";
  if (budget >= 0) env += " KANSCAN_FAILWRITE_BYTES=" + std::to_string(budget);
  if (!report.empty()) env += " KANSCAN_FAILWRITE_REPORT=" + report.string();
  return run_command(env + " " + command);
}

long long reported(const fs::path& report) { return std::stoll(read_file(report)); }

// Budgets spread over [0, total): where a full run writes its bytes.
std::vector<long long> budgets(long long total, int n) {
  std::vector<long long> out;
  for (int i = 0; i < n; ++i) out.push_back(total * i / n + (i % 3) * 97);
  return out;
}

std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos || name.find(".kanscan-write-test") != std::string::npos)
      out.push_back(e.path().string());
  }
  return out;
}

// A failed command: exit 1 and a message, never a crash.
void expect_clean_failure(const CommandResult& r, const std::string& what) {
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << what << ": exit " << r.exit_code << "\n" << r.output;
  if (r.exit_code == 1) {
    EXPECT_NE(r.output.find("kanscan: error:"), std::string::npos) << what << "\n" << r.output;
  }
  EXPECT_EQ(r.output.find("Segmentation"), std::string::npos) << what << "\n" << r.output;
}

// h5py opens every file named (the criterion), printing "ok <path> <rows of /trials>".
std::map<std::string, long long> h5py_rows(const std::vector<std::string>& files) {
  std::string args;
  for (const auto& f : files) args += " " + f;
  const auto r = run_command(
      "/usr/bin/python3 -c \"import sys, h5py\n"
      "for p in sys.argv[1:]:\n"
      "    with h5py.File(p, 'r') as f:\n"
      "        print('ok', p, len(f['trials']) if 'trials' in f else -1)\n\"" + args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, long long> rows;
  std::istringstream in(r.output);
  std::string ok, path;
  long long n = 0;
  while (in >> ok >> path >> n)
    if (ok == "ok") rows[path] = n;
  return rows;
}

}  // namespace

TEST(FaultWrites, RunOnAFillingDiskExitsOneAndKeepsTheResultsAndTheJournal) {
  TempDir dir;
  write_file(dir / "scan.yaml", kScan);
  const std::string scan = (dir / "scan.yaml").string(), cache = (dir / "cache").string();
  auto cmd = [&](const fs::path& out, const std::string& extra = "") {
    return kanscan_binary() + " run " + scan + " --out " + out.string() + " --cache-dir " + cache +
           " --publish-seconds 0 " + extra;
  };
  fs::create_directories(dir / "full");
  const auto full = run_limited(dir / "full", -1, cmd(dir / "full/r.h5"), dir / "bytes");
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const long long total = reported(dir / "bytes");
  ASSERT_GT(total, 10000);
  const auto ids = expansion_ids(scan);
  std::vector<std::string> published;
  for (const long long b : budgets(total, 14)) {
    const fs::path w = dir / fmt::format("w{}", b);
    fs::create_directories(w);
    const auto r = run_limited(w, b, cmd(w / "r.h5"));
    const std::string what = fmt::format("budget {} of {} bytes", b, total);
    expect_clean_failure(r, what);
    EXPECT_TRUE(leftovers(w).empty()) << what << ": " << leftovers(w).front();
    // The journal ends with a complete record: nothing torn, every record readable.
    std::set<std::string> journaled;
    std::vector<std::string> before;
    if (fs::exists(w / "r.h5.journal")) {
      std::uint64_t torn = 0;
      io::Journal::read((w / "r.h5.journal").string(), [&](io::JournalRecordType t, const std::string& payload) {
        if (t != io::JournalRecordType::trial) return;
        before.push_back(payload);
        journaled.insert(io::deserialize_record(payload).trial_id);
      }, &torn);
      EXPECT_EQ(torn, 0u) << what;
    }
    if (fs::exists(w / "r.h5")) {
      published.push_back((w / "r.h5").string());
      // Its trials are in the journal: a previous good version, or the new one.
      EXPECT_LE(trials_rows((w / "r.h5").string()), static_cast<long long>(journaled.size())) << what;
    }
    if (r.exit_code == 1 && fs::exists(w / "r.h5.journal")) {
      EXPECT_NE(r.output.find("--resume"), std::string::npos) << what << "\n" << r.output;
    }
    // Free space: the resume completes the scan, every trial once, nothing recorded before rerun.
    if (!fs::exists(w / "r.h5.journal")) continue;
    const auto again = run_limited(w, -1, cmd(w / "r.h5", "--resume"));
    ASSERT_EQ(again.exit_code, 0) << what << "\n" << again.output;
    const auto recs = journal_records((w / "r.h5").string());
    std::set<std::string> got;
    for (const auto& rec : recs) EXPECT_TRUE(got.insert(rec.trial_id).second) << what << ": twice " << rec.trial_id;
    EXPECT_EQ(got, std::set<std::string>(ids.begin(), ids.end())) << what;
    std::size_t i = 0;
    io::Journal::read((w / "r.h5.journal").string(), [&](io::JournalRecordType t, const std::string& payload) {
      if (t != io::JournalRecordType::trial) return;
      if (i < before.size()) {
        EXPECT_EQ(payload, before[i]) << what << ": record " << i << " changed";
      }
      ++i;
    });
    EXPECT_EQ(trials_rows((w / "r.h5").string()), static_cast<long long>(ids.size())) << what;
  }
  ASSERT_FALSE(published.empty());
  const auto rows = h5py_rows(published);
  EXPECT_EQ(rows.size(), published.size());
}

TEST(FaultWrites, GenerateAndPredictOnAFillingDiskKeepThePreviousFile) {
  TempDir dir;
  fs::create_directories(dir / "w");
  const fs::path data = dir / "w/data.h5";
  auto gen = [&](int seed) {
    return kanscan_binary() + fmt::format(" generate tth_thq --events 600 --seed {} --out ", seed) + data.string();
  };
  ASSERT_EQ(run_command(gen(1)).exit_code, 0);
  const std::string previous = read_file(data);
  ASSERT_EQ(run_limited(dir / "w", -1, gen(2), dir / "bytes").exit_code, 0);
  const std::string fresh = read_file(data);
  const long long total = reported(dir / "bytes");
  for (const long long b : budgets(total, 8)) {
    write_file(data, previous);
    const auto r = run_limited(dir / "w", b, gen(2));
    const std::string what = fmt::format("generate, budget {} of {}", b, total);
    expect_clean_failure(r, what);
    EXPECT_EQ(r.exit_code, 1) << what << "\n" << r.output;
    EXPECT_TRUE(read_file(data) == previous) << what << ": the previous file changed";
    EXPECT_TRUE(leftovers(dir / "w").empty()) << what;
  }

  // predict: a scan on that data, then predictions over an older prediction file.
  write_file(data, fresh);
  write_file(dir / "scan.yaml", "name: p\ntask: classification\ndata: {path: w/data.h5}\ntrain: {epochs: 1}\n"
                                "models:\n  - type: mlp\n    depth: 1\n    width: 4\n");
  ASSERT_EQ(run_command(kanscan_binary() + " run " + (dir / "scan.yaml").string() + " --out " +
                        (dir / "r.h5").string()).exit_code, 0);
  const std::string id = journal_records((dir / "r.h5").string()).at(0).trial_id;
  const fs::path pred = dir / "w/pred.h5";
  auto predict = [&](const fs::path& on) {
    return kanscan_binary() + " predict " + (dir / "r.h5").string() + " --trial " + id + " --data " + on.string() +
           " --out " + pred.string();
  };
  ASSERT_EQ(run_command(kanscan_binary() + " generate tth_thq --events 50 --seed 3 --out " +
                        (dir / "few.h5").string()).exit_code, 0);
  ASSERT_EQ(run_command(predict(dir / "few.h5")).exit_code, 0);
  const std::string old_pred = read_file(pred);
  ASSERT_EQ(run_limited(dir / "w", -1, predict(data), dir / "bytes").exit_code, 0);
  const long long ptotal = reported(dir / "bytes");
  for (const long long b : budgets(ptotal, 8)) {
    write_file(pred, old_pred);
    const auto r = run_limited(dir / "w", b, predict(data));
    const std::string what = fmt::format("predict, budget {} of {}", b, ptotal);
    expect_clean_failure(r, what);
    EXPECT_EQ(r.exit_code, 1) << what << "\n" << r.output;
    EXPECT_TRUE(read_file(pred) == old_pred) << what << ": the previous predictions changed";
    EXPECT_TRUE(leftovers(dir / "w").empty()) << what;
  }
}

TEST(FaultWrites, AnalyzeOnAFillingDiskLeavesEachOutputOldOrNew) {
  TempDir dir;
  fs::create_directories(dir / "w");
  write_file(dir / "scan.yaml", kScan);
  const std::string scan = (dir / "scan.yaml").string();
  ASSERT_EQ(run_command(kanscan_binary() + " run " + scan + " --out " + (dir / "a.h5").string() + " --cache-dir " +
                        (dir / "cache").string()).exit_code, 0);
  // "Old" outputs from a smaller scan, "new" ones from the full one.
  write_file(dir / "small.yaml", std::string(kScan).replace(std::string(kScan).find("[1, 2]"), 6, "[1]"));
  ASSERT_EQ(run_command(kanscan_binary() + " run " + (dir / "small.yaml").string() + " --out " +
                        (dir / "b.h5").string() + " --cache-dir " + (dir / "cache").string()).exit_code, 0);
  auto analyze = [&](const std::string& file, const fs::path& out) {
    return kanscan_binary() + " analyze " + file + " --no-plots --out " + out.string();
  };
  ASSERT_EQ(run_command(analyze((dir / "b.h5").string(), dir / "old")).exit_code, 0);
  ASSERT_EQ(run_limited(dir / "w", -1, analyze((dir / "a.h5").string(), dir / "w/new"), dir / "bytes").exit_code, 0);
  const long long total = reported(dir / "bytes");
  std::map<std::string, std::string> old_files, new_files;
  for (const auto& e : fs::directory_iterator(dir / "old")) old_files[e.path().filename()] = read_file(e.path());
  for (const auto& e : fs::directory_iterator(dir / "w/new")) new_files[e.path().filename()] = read_file(e.path());
  for (const long long b : budgets(total, 8)) {
    const fs::path out = dir / "w" / fmt::format("a{}", b);
    fs::copy(dir / "old", out);
    const auto r = run_limited(dir / "w", b, analyze((dir / "a.h5").string(), out));
    const std::string what = fmt::format("analyze, budget {} of {}", b, total);
    expect_clean_failure(r, what);
    EXPECT_EQ(r.exit_code, 1) << what << "\n" << r.output;
    EXPECT_TRUE(leftovers(out).empty()) << what;
    for (const auto& e : fs::directory_iterator(out)) {
      const std::string name = e.path().filename(), text = read_file(e.path());
      EXPECT_TRUE((old_files.count(name) && text == old_files[name]) || (new_files.count(name) && text == new_files[name]))
          << what << ": " << name << " is neither the old nor the new output";
    }
  }
}
