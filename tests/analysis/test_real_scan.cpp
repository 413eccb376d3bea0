// A small real scan without the scan engine: generated tth_thq events, real trainings through
// models::run_trial, a results file in the layout of docs/scan-format.md, then analyze and `kanscan predict`.
// Set KANSCAN_KEEP_REAL_SCAN=DIR to keep the results, data and analysis for inspection.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>

#include "analysis/report.hpp"
#include "io/data.hpp"
#include "models/trial_runner.hpp"
#include "tests/analysis/fixture.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
namespace t = kanscan::test;
using namespace kanscan;

namespace {

// One point of the small real scans below (grid 0: an MLP, whose grid size is irrelevant).
struct Point {
  ModelType type;
  int depth, width, grid;
};

// The settings both real scans share; each test adds its task, loss and epochs.
TrialConfig point_config(const Point& p, std::uint64_t seed) {
  TrialConfig c;
  c.model.type = p.type;
  c.model.depth = p.depth;
  c.model.width = p.width;
  c.model.grid_size = p.grid == 0 ? 5 : p.grid;
  c.model.optimizer.lr = p.type == ModelType::kan ? 1e-2 : 3e-3;
  c.model.activation = Activation::leaky_relu;
  c.train.batch_size = 256;
  c.seed = seed;
  c.trial_id = fmt::format("{}_d{}_w{}_g{}_s{}", p.type == ModelType::kan ? "kan" : "mlp", p.depth, p.width, p.grid,
                           seed);
  return c;
}

// Where a test scan runs: a temporary folder, or KANSCAN_KEEP_REAL_SCAN/<sub> to keep a bigger
// run for looking at its plots. Returns whether it is kept.
bool scan_dir(const t::TempDir& tmp, const std::string& sub, fs::path& dir) {
  const char* keep = std::getenv("KANSCAN_KEEP_REAL_SCAN");
  const bool kept = keep && *keep;
  dir = kept ? fs::path(keep) / sub : tmp.path();
  fs::create_directories(dir);
  return kept;
}

}  // namespace

TEST(RealScan, TrainAnalyzePredict) {
  t::TempDir tmp;
  fs::path dir;
  const bool keep = scan_dir(tmp, "", dir);
  DataConfig dc;
  dc.generator = "tth_thq";
  dc.events = keep ? 40000 : 6000;
  dc.seed = 7;
  const DataSplit data = io::load_data(dc, Task::classification, (dir / "cache").string());
  std::string data_file;
  for (const auto& e : fs::directory_iterator(dir / "cache"))
    if (e.path().extension() == ".h5") data_file = e.path().string();
  ASSERT_FALSE(data_file.empty());

  std::vector<Point> points{{ModelType::kan, 0, 1, 5}, {ModelType::kan, 1, 2, 5}, {ModelType::kan, 1, 4, 5},
                            {ModelType::mlp, 1, 4, 0}, {ModelType::mlp, 1, 16, 0}, {ModelType::mlp, 2, 32, 0}};
  if (keep) points.insert(points.end(), {{ModelType::kan, 0, 1, 10}, {ModelType::kan, 1, 4, 10}, {ModelType::kan, 2, 8, 5},
                                         {ModelType::mlp, 2, 64, 0}});
  std::vector<TrialOutcome> outcomes;
  outcomes.reserve(points.size() * 2);
  std::vector<t::FixtureTrial> rows;
  for (const auto& p : points)
    for (std::uint64_t seed : {1u, 2u}) {
      TrialConfig c = point_config(p, seed);
      c.train.epochs = keep ? 15 : 4;
      outcomes.push_back(models::run_trial(c, data));
      const TrialOutcome& o = outcomes.back();
      ASSERT_TRUE(o.ok) << o.error;
      t::FixtureTrial row;
      row.values = {c.trial_id, p.type == ModelType::kan ? "kan" : "mlp", "ok", std::int64_t(seed), o.n_params,
                    p.depth, p.width, p.grid, "adam", c.model.optimizer.lr, o.epochs_run, o.train_seconds,
                    o.metrics.at("test_auc"), o.metrics.at("test_accuracy")};
      row.outcome = &o;
      rows.push_back(row);
    }
  t::FixtureOptions opt;
  opt.data_file = data_file;
  const std::string results = (dir / "scan.h5").string();
  t::write_results_fixture(results, t::standard_columns(), rows, opt);

  // analyze, through the binary (with plots when kept for inspection).
  const auto r = t::run_command(t::kanscan_binary() + " analyze " + results + " --out " + (dir / "analysis").string() +
                                (keep ? "" : " --no-plots"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Pareto front (all)"), std::string::npos) << r.output;
  for (const char* f : {"configs.csv", "pareto.csv", "axes.csv", "matched_budget.csv", "llr.csv",
                        "kan_kan_d0_w1_g5_s1_functions.csv"})
    EXPECT_TRUE(fs::exists(dir / "analysis" / f) || fs::exists(dir / "analysis" / "kan_kan_d0_w1_g5_s2_functions.csv"))
        << f << "\n" << r.output;
  const analysis::ResultsFile file(results);
  const auto report = analysis::analyze(file);
  EXPECT_EQ(report.configs.size(), points.size());
  EXPECT_FALSE(report.fronts.at("all").empty());
  for (const auto& g : report.configs) EXPECT_GT(g.metrics.at("test_auc").mean, 0.6) << g.label();

  // predict on the whole data file reproduces the stored test predictions at test_index.
  const TrialOutcome& o = outcomes[2];
  const std::string id = rows[2].values[0].s;
  const fs::path pred = dir / "pred.h5";
  const auto pr = t::run_command(t::kanscan_binary() + " predict " + results + " --trial " + id + " --data " + data_file +
                                 " --out " + pred.string());
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  h5::File pf(pred.string(), h5::File::Mode::read_only);
  const auto p = pf.root().read_float("predictions");
  ASSERT_EQ(p.shape.size(), 1u);
  double worst = 0;
  for (Eigen::Index k = 0; k < o.test_predictions.rows(); ++k)
    worst = std::max(worst, std::abs(double(p.data.at(std::size_t(o.test_index[std::size_t(k)]))) -
                                     double(o.test_predictions(k, 0))));
  EXPECT_LT(worst, 1e-6);

  // Error paths: unknown trial, wrong feature count, not a results file.
  auto bad = t::run_command(t::kanscan_binary() + " predict " + results + " --trial nope --data " + data_file +
                            " --out " + (dir / "x.h5").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("trial_id column"), std::string::npos) << bad.output;
  {
    h5::File w((dir / "three.h5").string(), h5::File::Mode::create_truncate);
    w.root().write("features", std::vector<float>(9, 1.0f), {3, 3});
  }
  bad = t::run_command(t::kanscan_binary() + " predict " + results + " --trial " + id + " --data " +
                       (dir / "three.h5").string() + " --out " + (dir / "x.h5").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("3 features per event"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir / "x.h5"));
  bad = t::run_command(t::kanscan_binary() + " predict " + data_file + " --trial " + id + " --data " + data_file +
                       " --out " + (dir / "x.h5").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  // A unique id prefix is accepted.
  const auto ok = t::run_command(t::kanscan_binary() + " predict " + results + " --trial kan_d1_w4_g5 --data " + data_file +
                                 " --out " + (dir / "pred2.h5").string());
  EXPECT_EQ(ok.exit_code, 2) << ok.output;  // kan_d1_w4_g5_s1 and _s2: ambiguous
  EXPECT_NE(ok.output.find("matches 2 trials"), std::string::npos) << ok.output;
}

TEST(RealScan, RegressionMaeStudy) {
  t::TempDir tmp;
  fs::path dir;
  const bool keep = scan_dir(tmp, "regression", dir);
  DataConfig dc;
  dc.generator = "dm_met";
  dc.events = keep ? 30000 : 3000;
  dc.seed = 5;
  const DataSplit data = io::load_data(dc, Task::regression, (dir / "cache").string());
  const auto& targets = data.train.target_names;
  ASSERT_FALSE(targets.empty());

  std::vector<Point> points{{ModelType::kan, 1, 4, 3}, {ModelType::kan, 1, 4, 8}, {ModelType::mlp, 1, 16, 0},
                            {ModelType::mlp, 2, 16, 0}};
  if (keep)
    points.insert(points.end(), {{ModelType::kan, 1, 8, 5}, {ModelType::kan, 1, 16, 5}, {ModelType::kan, 2, 8, 5},
                                 {ModelType::kan, 1, 8, 12}, {ModelType::mlp, 1, 64, 0}, {ModelType::mlp, 2, 64, 0}});
  using C = t::FixtureColumn;
  std::vector<C> cols{{C::string, "trial_id"}, {C::string, "model"}, {C::string, "status"}, {C::int64, "seed"},
                      {C::int64, "n_params"},  {C::int64, "depth"},  {C::int64, "width"},   {C::int64, "grid_size"},
                      {C::int64, "epochs_run"}, {C::float64, "test_mae"}, {C::float64, "test_rmse"}};
  for (const auto& n : targets) cols.push_back({C::float64, "test_mae_" + n});
  std::vector<TrialOutcome> outcomes;
  outcomes.reserve(points.size() * 2);
  std::vector<t::FixtureTrial> rows;
  for (const auto& p : points)
    for (std::uint64_t seed : {1u, 2u}) {
      TrialConfig c = point_config(p, seed);
      c.task = Task::regression;
      c.train.loss = Loss::mae;
      c.train.monitor = Monitor::val_loss;
      c.train.epochs = keep ? 15 : 3;
      outcomes.push_back(models::run_trial(c, data));
      const TrialOutcome& o = outcomes.back();
      ASSERT_TRUE(o.ok) << o.error;
      t::FixtureTrial row;
      row.values = {c.trial_id, p.type == ModelType::kan ? "kan" : "mlp", "ok", std::int64_t(seed), o.n_params,
                    p.depth, p.width, p.grid, o.epochs_run, o.metrics.at("test_mae"), o.metrics.at("test_rmse")};
      for (const auto& n : targets) row.values.push_back(o.metrics.at("test_mae_" + n));
      row.outcome = &o;
      rows.push_back(row);
    }
  const std::string results = (dir / "scan.h5").string();
  t::write_results_fixture(results, cols, rows);
  const auto r = t::run_command(t::kanscan_binary() + " analyze " + results + " --out " + (dir / "analysis").string() +
                                (keep ? "" : " --no-plots"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("metric: test_mae (lower is better)"), std::string::npos) << r.output;
  const analysis::ResultsFile file(results);
  const auto report = analysis::analyze(file);
  EXPECT_EQ(report.task, "regression");
  // Standardised MAE of a trained model is below that of predicting the mean (~0.8 for a
  // Gaussian target) and positive.
  for (const auto& g : report.configs) {
    EXPECT_GT(g.metrics.at("test_mae").mean, 0.05) << report.label(g);
    EXPECT_LT(g.metrics.at("test_mae").mean, 0.95) << report.label(g);
  }
  // The front is ordered by cost with strictly decreasing MAE.
  const auto& f = report.fronts.at("all");
  for (std::size_t k = 1; k < f.size(); ++k)
    EXPECT_LT(report.configs[f[k]].metrics.at("test_mae").mean, report.configs[f[k - 1]].metrics.at("test_mae").mean);
  // predict on regression data gives [N, T] in physical units matching test_predictions.
  std::string data_file;
  for (const auto& e : fs::directory_iterator(dir / "cache"))
    if (e.path().extension() == ".h5") data_file = e.path().string();
  const auto pr = t::run_command(t::kanscan_binary() + " predict " + results + " --trial " + rows[0].values[0].s +
                                 " --data " + data_file + " --out " + (dir / "pred.h5").string());
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  h5::File pf((dir / "pred.h5").string(), h5::File::Mode::read_only);
  const auto p = pf.root().read_float("predictions");
  ASSERT_EQ(p.shape.size(), 2u);
  ASSERT_EQ(p.shape[1], targets.size());
  const TrialOutcome& o = outcomes[0];
  double worst = 0, scale = 0;
  for (Eigen::Index k = 0; k < o.test_predictions.rows(); ++k)
    for (Eigen::Index j = 0; j < o.test_predictions.cols(); ++j) {
      const double stored = o.test_predictions(k, j);
      worst = std::max(worst, std::abs(double(p.data.at(std::size_t(o.test_index[std::size_t(k)]) * p.shape[1] +
                                                        std::size_t(j))) - stored));
      scale = std::max(scale, std::abs(stored));
    }
  EXPECT_LT(worst, 1e-5 * std::max(1.0, scale));
}
