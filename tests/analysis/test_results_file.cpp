#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>

#include "analysis/results_file.hpp"
#include "framework/error.hpp"
#include "tests/analysis/fixture.hpp"
#include "tests/support/support.hpp"

namespace a = kanscan::analysis;
namespace t = kanscan::test;

namespace {
std::vector<t::FixtureTrial> three_trials() {
  return {t::standard_trial("aaa", "kan", "ok", 1, 100, 0, 1, 5, 0.8),
          t::standard_trial("bbb", "mlp", "ok", 1, 200, 1, 4, 0, 0.85),
          t::standard_trial("ccc", "kan", "failed", 2, 100, 0, 1, 5, std::nan(""))};
}
}  // namespace

TEST(ResultsFile, ReadsVlenAndFixedStringTables) {
  for (bool vlen : {true, false}) {
    t::TempDir dir;
    const auto path = (dir / "r.h5").string();
    t::FixtureOptions o;
    o.vlen_strings = vlen;
    t::write_results_fixture(path, t::standard_columns(), three_trials(), o);
    const a::ResultsFile f(path);
    const auto& tab = f.trials();
    ASSERT_EQ(tab.rows, 3u) << "vlen=" << vlen;
    EXPECT_EQ(tab.string("trial_id", 1), "bbb");
    EXPECT_EQ(tab.string("model", 1), "mlp");
    EXPECT_EQ(tab.string("status", 2), "failed");
    EXPECT_DOUBLE_EQ(tab.number("n_params", 1), 200.0);
    EXPECT_DOUBLE_EQ(tab.number("lr", 0), 1e-3);
    EXPECT_EQ(tab.string("lr", 0), "0.001");
    EXPECT_TRUE(std::isnan(tab.number("test_auc", 2)));
    EXPECT_TRUE(std::isnan(tab.number("no_such_column", 0)));
    EXPECT_EQ(f.attribute("scan_name"), "fixture");
    EXPECT_EQ(f.attribute("schema_version"), "1");
    EXPECT_EQ(f.config_yaml(), "name: fixture\ntask: classification\n");
    EXPECT_EQ(f.trial_groups().size(), 3u);
  }
}

TEST(ResultsFile, EnumBooleanFieldsBecomeNumbers) {
  t::TempDir dir;
  auto cols = t::standard_columns();
  cols.push_back({t::FixtureColumn::boolean, "early_stopped"});
  auto trials = three_trials();
  for (std::size_t i = 0; i < trials.size(); ++i) trials[i].values.push_back(std::int64_t(i % 2));
  t::write_results_fixture((dir / "r.h5").string(), cols, trials);
  const a::ResultsFile f((dir / "r.h5").string());
  EXPECT_DOUBLE_EQ(f.trials().number("early_stopped", 0), 0.0);
  EXPECT_DOUBLE_EQ(f.trials().number("early_stopped", 1), 1.0);
}

TEST(ResultsFile, ToleratesACrashedWriter) {
  // Unwritten tail rows of the extendible table, a row whose group is missing, no root attrs.
  t::TempDir dir;
  auto trials = three_trials();
  trials[1].write_group = false;
  t::FixtureOptions o;
  o.empty_tail_rows = 5;
  o.root_attrs = false;
  t::write_results_fixture((dir / "r.h5").string(), t::standard_columns(), trials, o);
  const a::ResultsFile f((dir / "r.h5").string());
  EXPECT_EQ(f.trials().rows, 3u);
  EXPECT_FALSE(f.has_trial_group("bbb"));
  EXPECT_TRUE(f.has_trial_group("aaa"));
  EXPECT_THROW(f.read_trial("bbb"), kanscan::InputError);
  const auto td = f.read_trial("aaa");
  EXPECT_EQ(td.val_metric.size(), 3u);
  EXPECT_EQ(td.val_metric_name, "val_auc");
  EXPECT_EQ(td.roc_fpr.size(), 3u);
  EXPECT_EQ(td.test_index.size(), 4u);
  EXPECT_EQ(td.prediction_cols, 1u);
  EXPECT_FALSE(f.has_model("aaa"));
  EXPECT_THROW(f.read_model("aaa"), kanscan::InputError);
}

TEST(ResultsFile, ReadsAStoredModel) {
  t::TempDir dir;
  auto trials = three_trials();
  trials[0].with_model = true;
  t::write_results_fixture((dir / "r.h5").string(), t::standard_columns(), trials);
  const a::ResultsFile f((dir / "r.h5").string());
  ASSERT_TRUE(f.has_model("aaa"));
  const auto m = f.read_model("aaa");
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].kind, kanscan::LayerKind::kan);
  EXPECT_EQ(m.layers[0].tensors.at("spline_weight").shape, (std::vector<std::size_t>{1, 3, 8}));
}

TEST(ResultsFile, ForeignFilesAreClearInputErrors) {
  t::TempDir dir;
  auto expect_error = [](const std::string& path, const std::string& needle) {
    try {
      a::ResultsFile f(path);
      FAIL() << "expected InputError for " << path;
    } catch (const kanscan::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error((dir / "missing.h5").string(), "does not exist");
  t::write_file(dir / "text.h5", "not hdf5 at all\n");
  expect_error((dir / "text.h5").string(), "not an HDF5 file");
  {  // A data file: HDF5, but not results.
    kanscan::h5::File data((dir / "data.h5").string(), kanscan::h5::File::Mode::create_truncate);
    data.root().write("features", std::vector<float>{1, 2, 3, 4}, {2, 2});
  }
  expect_error((dir / "data.h5").string(), "not a kanscan results file");
  {  // /trials that is not a table.
    kanscan::h5::File bad((dir / "bad.h5").string(), kanscan::h5::File::Mode::create_truncate);
    bad.root().set_attr("schema_version", std::int64_t{1});
    bad.root().write("trials", std::vector<double>{1, 2});
  }
  expect_error((dir / "bad.h5").string(), "expected a compound table");
  // Truncated HDF5 file (a copy cut in half).
  t::write_results_fixture((dir / "full.h5").string(), t::standard_columns(), three_trials());
  const std::string bytes = t::read_file(dir / "full.h5");
  t::write_file(dir / "cut.h5", bytes.substr(0, bytes.size() / 2));
  try {
    a::ResultsFile f((dir / "cut.h5").string());
    // HDF5 may open a truncated file when the superblock survives; reading must then not crash.
    (void)f.trials();
  } catch (const kanscan::InputError&) {
  }
}

TEST(ResultsFile, OpensWhileAWriterHoldsTheFile) {
  // A running scan keeps the results file open read-write (HDF5 takes a file lock).
  t::TempDir dir;
  const auto path = (dir / "r.h5").string();
  t::write_results_fixture(path, t::standard_columns(), three_trials());
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    kanscan::h5::File writer(path, kanscan::h5::File::Mode::read_write);
    const char c = 'x';
    if (write(ready[1], &c, 1) != 1) _exit(1);
    sleep(5);
    _exit(0);
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  std::size_t rows = 0;
  EXPECT_NO_THROW({
    const a::ResultsFile f(path);
    rows = f.trials().rows;
  });
  EXPECT_EQ(rows, 3u);
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
}
