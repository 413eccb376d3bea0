#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "analysis/report.hpp"
#include "framework/error.hpp"
#include "tests/analysis/fixture.hpp"
#include "tests/support/support.hpp"

namespace a = kanscan::analysis;
namespace t = kanscan::test;

namespace {

std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(t::read_file(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) cells.push_back(cell), cell.clear();
      else cell += c;
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

std::size_t col(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  ADD_FAILURE() << "no column " << name;
  return 0;
}

std::vector<t::FixtureTrial> scan_trials() {
  // kan 100 params: 0.80, 0.82 (+1 failed) | kan 300: 0.85 | kan 1000: 0.84 (dominated)
  // mlp 120: 0.83, 0.81 | mlp 2000: 0.86
  auto ts = std::vector<t::FixtureTrial>{
      t::standard_trial("k1", "kan", "ok", 1, 100, 0, 1, 5, 0.80),
      t::standard_trial("k2", "kan", "ok", 2, 100, 0, 1, 5, 0.82),
      t::standard_trial("k3", "kan", "failed", 3, 100, 0, 1, 5, std::nan("")),
      t::standard_trial("k4", "kan", "ok", 1, 300, 1, 3, 5, 0.85),
      t::standard_trial("k5", "kan", "ok", 1, 1000, 1, 3, 10, 0.84),
      t::standard_trial("m1", "mlp", "ok", 1, 120, 1, 4, 0, 0.83),
      t::standard_trial("m2", "mlp", "ok", 2, 120, 1, 4, 0, 0.81),
      t::standard_trial("m3", "mlp", "ok", 1, 2000, 2, 32, 0, 0.86),
  };
  ts[1].with_model = true;  // best seed of the single-layer KAN
  return ts;
}

}  // namespace

TEST(Report, FrontsTablesAndCsvContent) {
  t::TempDir dir;
  const auto path = (dir / "r.h5").string();
  t::write_results_fixture(path, t::standard_columns(), scan_trials());
  const a::ResultsFile file(path);
  a::Report r = a::analyze(file);
  EXPECT_EQ(r.task, "classification");
  EXPECT_EQ(r.n_ok, 7u);
  EXPECT_EQ(r.n_failed, 1u);
  ASSERT_EQ(r.configs.size(), 5u);
  // Overall front: kan@100 (0.81), mlp@120 (0.82), kan@300 (0.85), mlp@2000 (0.86).
  std::vector<std::string> front;
  for (auto i : r.fronts.at("all")) front.push_back(r.configs[i].best_trial);
  EXPECT_EQ(front, (std::vector<std::string>{"k2", "m1", "k4", "m3"}));
  std::vector<std::string> kan_front;
  for (auto i : r.fronts.at("kan")) kan_front.push_back(r.configs[i].best_trial);
  EXPECT_EQ(kan_front, (std::vector<std::string>{"k2", "k4"}));

  const auto out = dir / "out";
  const auto files = a::write_outputs(file, r, out.string());
  for (const char* f : {"trials.csv", "configs.csv", "pareto.csv", "axes.csv", "matched_budget.csv", "summary.txt",
                        "analysis.json", "kan_k2_importance.csv", "kan_k2_functions.csv"})
    EXPECT_TRUE(std::filesystem::exists(out / f)) << f;
  EXPECT_FALSE(std::filesystem::exists(out / "llr.csv"));  // no data file known

  const auto trials = read_csv(out / "trials.csv");
  ASSERT_EQ(trials.size(), 9u);
  EXPECT_EQ(trials[3][col(trials[0], "status")], "failed");

  const auto configs = read_csv(out / "configs.csv");
  ASSERT_EQ(configs.size(), 6u);
  const auto& h = configs[0];
  EXPECT_EQ(configs[1][col(h, "model")], "kan");
  EXPECT_EQ(configs[1][col(h, "n_ok")], "2");
  EXPECT_EQ(configs[1][col(h, "n_failed")], "1");
  EXPECT_NEAR(std::stod(configs[1][col(h, "test_auc_mean")]), 0.81, 1e-9);
  EXPECT_NEAR(std::stod(configs[1][col(h, "test_auc_std")]), 0.01 * std::sqrt(2.0), 1e-9);
  EXPECT_EQ(configs[1][col(h, "test_auc_n")], "2");
  EXPECT_EQ(configs[1][col(h, "trial_ids")], "k1;k2");
  EXPECT_EQ(configs[1][col(h, "grid_size")], "5");

  const auto pareto = read_csv(out / "pareto.csv");
  // 4 (all) + 2 (kan) + 2 (mlp) rows.
  ASSERT_EQ(pareto.size(), 9u);
  EXPECT_EQ(pareto[1][col(pareto[0], "scope")], "all");
  EXPECT_EQ(pareto[1][col(pareto[0], "n_params")], "100");
  EXPECT_EQ(pareto[4][col(pareto[0], "best_trial")], "m3");

  const auto budget = read_csv(out / "matched_budget.csv");
  // [100,316): kan 0.85 (k4 at 300) and mlp 0.82; [1000,3162): kan 0.84 and mlp 0.86.
  ASSERT_EQ(budget.size(), 5u);
  EXPECT_EQ(budget[1][col(budget[0], "model")], "kan");
  EXPECT_EQ(budget[1][col(budget[0], "best_trial")], "k4");
  EXPECT_EQ(budget[2][col(budget[0], "model")], "mlp");
  EXPECT_EQ(budget[4][col(budget[0], "best_trial")], "m3");

  // Working points of the overall front from the stored ROC (0,0) (0.2,0.7) (1,1).
  const auto wp = read_csv(out / "working_points.csv");
  ASSERT_EQ(wp.size(), 5u);
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "sig_eff_at_bkg_rej_0.9")]), 0.35, 1e-9);
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "sig_eff_at_bkg_rej_0.99")]), 0.035, 1e-9);
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "inv_bkg_eff_at_sig_eff_0.5")]), 7.0, 1e-6);
  EXPECT_EQ(wp[1][col(wp[0], "significance")], "");  // no events known

  const auto fn = read_csv(out / "kan_k2_functions.csv");
  EXPECT_EQ(fn.size(), 1u + 3u * 161u);
  EXPECT_EQ(fn[0][4], "in_grid");
  const std::string summary = t::read_file(out / "summary.txt");
  EXPECT_NE(summary.find("8 rows, 7 ok, 1 failed"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Pareto front (all)"), std::string::npos);
  EXPECT_NE(summary.find("matched parameter budgets"), std::string::npos);
  EXPECT_NE(summary.find("pass --data"), std::string::npos);
  // No temporary files left behind.
  for (const auto& e : std::filesystem::directory_iterator(out))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
}

TEST(Report, SplineVersusLlrWithADataFile) {
  t::TempDir dir;
  // Data: 3 features, signal shifted in feature 0 only.
  {
    kanscan::h5::File data((dir / "data.h5").string(), kanscan::h5::File::Mode::create_truncate);
    std::vector<float> f;
    std::vector<std::int32_t> y;
    for (int i = 0; i < 4000; ++i) {
      const int label = i % 2;
      const float u = float((i * 37) % 1000) / 1000.0f;
      f.push_back(u + (label ? 0.3f : 0.0f));
      f.push_back(u);
      f.push_back(1.0f - u);
      y.push_back(label);
    }
    data.root().write("features", f, {4000, 3});
    data.root().write("labels", y);
    data.root().write_strings("feature_names", {"pt_lep", "eta_lep", "m_bb"});
  }
  auto ts = scan_trials();
  ts[1].test_index = {0, 1, 2, 3};  // labels 0 1 0 1, predictions 0.1 0.9 0.4 0.6
  t::FixtureOptions o;
  o.data_file = "data.h5";  // relative to the results file
  t::write_results_fixture((dir / "r.h5").string(), t::standard_columns(), ts, o);
  const a::ResultsFile file((dir / "r.h5").string());
  a::Report r = a::analyze(file);
  a::write_outputs(file, r, (dir / "out").string());
  ASSERT_TRUE(std::filesystem::exists(dir / "out" / "llr.csv"));
  const auto llr = read_csv(dir / "out" / "llr.csv");
  ASSERT_GT(llr.size(), 10u);
  EXPECT_EQ(llr[1][1], "pt_lep");
  const auto imp = read_csv(dir / "out" / "kan_k2_importance.csv");
  ASSERT_EQ(imp.size(), 4u);
  EXPECT_EQ(imp[3][1], "m_bb");
  // Event-level working points of k2 (hand-computed): all correct at 0.5; best Z at >= 0.4 with
  // s = 2, b = 1: sqrt(2(3 ln 3 - 2)).
  const auto wp = read_csv(dir / "out" / "working_points.csv");
  ASSERT_GE(wp.size(), 2u);
  ASSERT_EQ(wp[1][0], "k2");
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "accuracy_at_0.5")]), 1.0, 1e-12);
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "best_accuracy")]), 1.0, 1e-12);
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "significance")]), std::sqrt(2 * (3 * std::log(3.0) - 2)), 1e-6);
  EXPECT_NEAR(std::stod(wp[1][col(wp[0], "significance_threshold")]), 0.4, 1e-6);
  // A wrong --data is bad input (exit 2), not a note: the user asked for that file.
  a::AnalyzeOptions bad;
  bad.data_file = (dir / "nope.h5").string();
  a::Report r2 = a::analyze(file, bad);
  try {
    a::write_outputs(file, r2, (dir / "out2").string(), bad);
    ADD_FAILURE() << "expected an InputError for a missing --data";
  } catch (const kanscan::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.h5"), std::string::npos) << e.what();
  }
}

TEST(Report, EmptyAndRegressionFiles) {
  t::TempDir dir;
  // A scan that crashed before its first trial: an empty table.
  t::write_results_fixture((dir / "empty.h5").string(), t::standard_columns(), {});
  const a::ResultsFile empty((dir / "empty.h5").string());
  a::Report r = a::analyze(empty);
  EXPECT_TRUE(r.configs.empty());
  EXPECT_NO_THROW(a::write_outputs(empty, r, (dir / "o1").string()));
  EXPECT_NE(a::format_summary(r).find("0 rows"), std::string::npos);

  // Regression: test_mae, lower is better.
  using C = t::FixtureColumn;
  const std::vector<C> cols{{C::string, "trial_id"}, {C::string, "model"}, {C::string, "status"},
                            {C::int64, "seed"},      {C::int64, "n_params"}, {C::int64, "width"},
                            {C::float64, "test_mae"}, {C::float64, "test_mae_nu_px"}};
  std::vector<t::FixtureTrial> ts(4);
  ts[0].values = {"a", "mlp", "ok", 1, 100, 8, 0.30, 0.25};
  ts[1].values = {"b", "mlp", "ok", 1, 400, 32, 0.28, 0.2};
  ts[2].values = {"c", "kan", "ok", 1, 300, 8, 0.31, 0.3};
  ts[3].values = {"d", "kan", "ok", 1, 900, 16, 0.29, 0.3};
  t::write_results_fixture((dir / "reg.h5").string(), cols, ts);
  const a::ResultsFile reg((dir / "reg.h5").string());
  a::Report rr = a::analyze(reg);
  EXPECT_EQ(rr.task, "regression");
  EXPECT_EQ(rr.metric.name, "test_mae");
  EXPECT_FALSE(rr.metric.higher_is_better);
  std::vector<std::string> front;
  for (auto i : rr.fronts.at("all")) front.push_back(rr.configs[i].best_trial);
  EXPECT_EQ(front, (std::vector<std::string>{"a", "b"}));
  std::vector<std::string> kan;
  for (auto i : rr.fronts.at("kan")) kan.push_back(rr.configs[i].best_trial);
  EXPECT_EQ(kan, (std::vector<std::string>{"c", "d"}));
}

namespace {

// Columns of a second-contract file: the standard ones plus val_auc, test_auc_err and best_epoch.
std::vector<t::FixtureColumn> columns_with_validation() {
  auto cols = t::standard_columns();
  cols.push_back({t::FixtureColumn::float64, "val_auc"});
  cols.push_back({t::FixtureColumn::float64, "test_auc_err"});
  cols.push_back({t::FixtureColumn::float64, "best_epoch"});
  return cols;
}

t::FixtureTrial validated_trial(const std::string& id, const std::string& model, std::int64_t seed,
                                std::int64_t n_params, std::int64_t width, double val, double test) {
  t::FixtureTrial tr = t::standard_trial(id, model, "ok", seed, n_params, 1, width, model == "kan" ? 5 : 0, test);
  tr.values.emplace_back(val);
  tr.values.emplace_back(0.002);
  tr.values.emplace_back(std::int64_t{2});  // epochs_run is 3: not the last epoch
  return tr;
}

}  // namespace

// Validation and test disagree on every choice here; kanscan follows validation and reports test.
// kan w1 (100 params): seeds val 0.905 / 0.895, test 0.84 / 0.86  -> best seed by val: a1
// kan w2 (200 params): val 0.88, test 0.87 (the best on test)
// mlp w3 (150 params): val 0.89, test 0.86
TEST(Report, ChoicesAreMadeOnValidationAndTestIsReported) {
  t::TempDir dir;
  const auto path = (dir / "v.h5").string();
  t::write_results_fixture(path, columns_with_validation(),
                           {validated_trial("a1", "kan", 1, 100, 1, 0.905, 0.84),
                            validated_trial("a2", "kan", 2, 100, 1, 0.895, 0.86),
                            validated_trial("b1", "kan", 1, 200, 2, 0.88, 0.87),
                            validated_trial("c1", "mlp", 1, 150, 3, 0.89, 0.86)});
  const a::ResultsFile file(path);
  a::Report r = a::analyze(file);
  EXPECT_EQ(r.metric.name, "test_auc");
  EXPECT_EQ(r.metric.select, "val_auc");
  EXPECT_EQ(r.metric.err, "test_auc_err");
  auto front = [&](const std::string& scope) {
    std::vector<std::string> ids;
    for (auto i : r.fronts.at(scope)) ids.push_back(r.configs[i].best_trial);
    return ids;
  };
  // By test the kan front would be {a2 (0.85 mean), b1 (0.87)} and the best seed a2.
  EXPECT_EQ(front("kan"), (std::vector<std::string>{"a1"}));
  EXPECT_EQ(front("all"), (std::vector<std::string>{"a1"}));
  ASSERT_EQ(r.budgets.size(), 2u);  // one bin [100, 316): kan and mlp
  EXPECT_EQ(r.configs[r.budgets[0].best].best_trial, "a1");
  EXPECT_EQ(r.configs[r.budgets[1].best].best_trial, "c1");
  const std::string summary = a::format_summary(r);
  EXPECT_NE(summary.find("selected on val_auc, test_auc reported"), std::string::npos) << summary;
  const auto best = summary.find("1. kan");
  ASSERT_NE(best, std::string::npos) << summary;
  EXPECT_NE(summary.find("[a1]", best), std::string::npos);
  // The reported value is the test mean, its uncertainty sqrt(std^2/n + err^2).
  EXPECT_NE(summary.find(fmt::format("0.8500 ± {:.4f} (n=2)", std::sqrt(0.0002 / 2 + 0.002 * 0.002))),
            std::string::npos)
      << summary;
  // Asking for the test column still chooses on validation; val_auc reports test_auc.
  a::AnalyzeOptions o;
  o.metric = "test_auc";
  EXPECT_EQ(a::analyze(file, o).metric.select, "val_auc");
  o.metric = "val_auc";
  EXPECT_EQ(a::analyze(file, o).metric.name, "test_auc");
}

TEST(Report, WithoutValidationColumnsTheTestMetricIsUsedAndSaidSo) {
  t::TempDir dir;
  const auto path = (dir / "old.h5").string();
  t::write_results_fixture(path, t::standard_columns(), scan_trials());
  const a::Report r = a::analyze(a::ResultsFile(path));
  EXPECT_FALSE(r.metric.on_validation());
  EXPECT_NE(a::format_summary(r).find("selected on the test metric itself"), std::string::npos);
}

TEST(Report, CostAxes) {
  t::TempDir dir;
  const auto path = (dir / "c.h5").string();
  t::write_results_fixture(path, t::standard_columns(), scan_trials());
  const a::ResultsFile file(path);
  a::AnalyzeOptions o;
  o.cost = "train_seconds";
  const a::Report r = a::analyze(file, o);
  EXPECT_EQ(r.cost.column, "train_seconds");
  for (const auto& g : r.configs) {
    if (g.n_ok) {
      EXPECT_DOUBLE_EQ(g.cost, 0.5);  // every fixture trial took 0.5 s
    }
  }
  o.cost = "train_flops";  // not in this (first-contract) file
  EXPECT_THROW(a::analyze(file, o), kanscan::InputError);
  o.cost = "watts";
  EXPECT_THROW(a::analyze(file, o), kanscan::InputError);
}
