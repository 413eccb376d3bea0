#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "tests/analysis/fixture.hpp"
#include "tests/support/support.hpp"

namespace t = kanscan::test;

TEST(AnalyzeCli, WritesCsvsAndSummary) {
  t::TempDir dir;
  std::vector<t::FixtureTrial> ts{t::standard_trial("k1", "kan", "ok", 1, 100, 0, 1, 5, 0.80),
                                  t::standard_trial("m1", "mlp", "ok", 1, 120, 1, 4, 0, 0.83),
                                  t::standard_trial("m2", "mlp", "failed", 2, 120, 1, 4, 0, std::nan(""))};
  t::write_results_fixture((dir / "r.h5").string(), t::standard_columns(), ts);
  const auto r = t::run_command(t::kanscan_binary() + " analyze " + (dir / "r.h5").string() + " --out " +
                                (dir / "out").string() + " --no-plots");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 rows, 2 ok, 1 failed"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "configs.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "pareto.csv"));
  // Default output directory: next to the file.
  const auto r2 = t::run_command(t::kanscan_binary() + " analyze " + (dir / "r.h5").string() + " --no-plots");
  EXPECT_EQ(r2.exit_code, 0) << r2.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "r_analysis" / "summary.txt"));
}

TEST(AnalyzeCli, BadInputExitsTwo) {
  t::TempDir dir;
  t::write_file(dir / "x.h5", "garbage");
  auto r = t::run_command(t::kanscan_binary() + " analyze " + (dir / "x.h5").string() + " --no-plots");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not an HDF5 file"), std::string::npos) << r.output;
  r = t::run_command(t::kanscan_binary() + " analyze " + (dir / "missing.h5").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  t::write_results_fixture((dir / "r.h5").string(), t::standard_columns(),
                           {t::standard_trial("k1", "kan", "ok", 1, 100, 0, 1, 5, 0.80)});
  r = t::run_command(t::kanscan_binary() + " analyze " + (dir / "r.h5").string() + " --metric nope --no-plots");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("test_auc"), std::string::npos) << r.output;  // lists the metric columns
  r = t::run_command(t::kanscan_binary() + " analyze");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

// A folder that cannot be created is a bad argument, found before the analysis (exit 2); a
// write that fails later is exit 1 (tests/scans/slow_fault_writes.cpp).
TEST(AnalyzeCli, AnUnwritableOutputFolderExitsTwo) {
  t::TempDir dir;
  t::write_results_fixture((dir / "r.h5").string(), t::standard_columns(),
                           {t::standard_trial("k1", "kan", "ok", 1, 100, 0, 1, 5, 0.80)});
  const auto r = t::run_command(t::kanscan_binary() + " analyze " + (dir / "r.h5").string() +
                                " --out /proc/kanscan_analyze_test --no-plots");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot create this folder"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/proc/kanscan_analyze_test"), std::string::npos) << r.output;
}
