#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "analysis/aggregate.hpp"
#include "framework/error.hpp"
#include "tests/analysis/fixture.hpp"
#include "tests/support/support.hpp"

namespace a = kanscan::analysis;
using kanscan::test::standard_columns;
using kanscan::test::standard_trial;

TEST(Aggregate, SummarizeSkipsNonFiniteAndUsesSampleStd) {
  const std::vector<double> v{1.0, 2.0, 3.0, std::nan(""), INFINITY};
  const auto s = a::summarize(v);
  EXPECT_EQ(s.n, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_DOUBLE_EQ(s.std, 1.0);  // sqrt(((1)^2 + 0 + 1^2) / 2)
  const std::vector<double> one{0.7};
  EXPECT_DOUBLE_EQ(a::summarize(one).std, 0.0);
  EXPECT_EQ(a::summarize(std::vector<double>{}).n, 0u);
}

TEST(Aggregate, ColumnRoles) {
  EXPECT_EQ(a::column_role("trial_id"), a::ColumnRole::id);
  EXPECT_EQ(a::column_role("seed"), a::ColumnRole::bookkeeping);
  EXPECT_EQ(a::column_role("train_seconds"), a::ColumnRole::bookkeeping);
  EXPECT_EQ(a::column_role("test_mae_met_px"), a::ColumnRole::metric);
  EXPECT_EQ(a::column_role("grid_size"), a::ColumnRole::axis);
  EXPECT_EQ(a::column_role("some_new_axis"), a::ColumnRole::axis);
}

class AggregateOnFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<kanscan::test::FixtureTrial> t{
        standard_trial("k1", "kan", "ok", 1, 100, 0, 1, 5, 0.80),
        standard_trial("k2", "kan", "ok", 2, 100, 0, 1, 5, 0.82),
        standard_trial("k3", "kan", "failed", 3, 100, 0, 1, 5, std::nan("")),
        standard_trial("k4", "kan", "ok", 1, 300, 1, 3, 5, 0.85),
        standard_trial("k5", "kan", "ok", 1, 500, 1, 3, 10, 0.84),
        standard_trial("m1", "mlp", "ok", 1, 120, 1, 4, 0, 0.83),
        standard_trial("m2", "mlp", "ok", 2, 120, 1, 4, 0, 0.81),
    };
    kanscan::test::write_results_fixture((dir / "r.h5").string(), standard_columns(), t);
    file = std::make_unique<a::ResultsFile>((dir / "r.h5").string());
  }
  kanscan::test::TempDir dir;
  std::unique_ptr<a::ResultsFile> file;
};

TEST_F(AggregateOnFile, SeedsGroupedPerConfiguration) {
  const auto& t = file->trials();
  const auto metric = a::choose_metric(t);
  EXPECT_EQ(metric.name, "test_auc");
  EXPECT_TRUE(metric.higher_is_better);
  const auto g = a::aggregate_seeds(t, metric);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].model, "kan");
  EXPECT_EQ(g[0].n_ok, 2u);
  EXPECT_EQ(g[0].n_failed, 1u);
  const auto& s = g[0].metrics.at("test_auc");
  EXPECT_EQ(s.n, 2u);
  EXPECT_NEAR(s.mean, 0.81, 1e-12);
  EXPECT_NEAR(s.std, std::sqrt(2 * 0.01 * 0.01 / 1.0), 1e-12);
  EXPECT_EQ(g[0].best_trial, "k2");
  EXPECT_EQ(g[0].label(), "kan depth=0 width=1 grid_size=5 optimizer=adam lr=0.001");
  EXPECT_DOUBLE_EQ(g[3].n_params, 120.0);
  EXPECT_EQ(g[3].best_trial, "m1");
}

TEST_F(AggregateOnFile, AxisTableAndBudgets) {
  const auto metric = a::choose_metric(file->trials());
  const auto g = a::aggregate_seeds(file->trials(), metric);
  const auto axes = a::axis_table(g, metric);
  // kan: depth {0,1}, width {1,3}, grid_size {5,10}; mlp has a single config: no axes.
  ASSERT_EQ(axes.size(), 6u);
  EXPECT_EQ(axes[0].axis, "depth");
  EXPECT_EQ(axes[0].value, "0");
  EXPECT_EQ(axes[1].value, "1");
  EXPECT_EQ(axes[1].n_configs, 2u);
  EXPECT_EQ(g[axes[1].best].best_trial, "k4");  // 0.85 beats 0.84
  EXPECT_NEAR(axes[1].over_configs.mean, 0.845, 1e-12);
  // Budgets, 2 bins per decade: [100, 316) has kan 0.81 and mlp 0.82; [316, 1000) kan 0.84.
  const auto b = a::matched_budgets(g, metric, 2);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_DOUBLE_EQ(b[0].lo, 100.0);
  EXPECT_EQ(b[0].model, "kan");
  EXPECT_EQ(b[1].model, "mlp");
  EXPECT_EQ(g[b[1].best].best_trial, "m1");
  EXPECT_EQ(g[b[0].best].best_trial, "k4");  // 300 params is still below 316
  EXPECT_NEAR(b[2].lo, std::sqrt(1000.0) * 10, 1e-9);
}

TEST_F(AggregateOnFile, ExplicitMetric) {
  const auto m = a::choose_metric(file->trials(), "test_accuracy");
  EXPECT_TRUE(m.higher_is_better);
  EXPECT_THROW(a::choose_metric(file->trials(), "test_nope"), kanscan::InputError);
}

TEST(Aggregate, IndependentOfRowOrder) {
  // The same trials finishing in another order (another rank count) give identical tables.
  kanscan::test::TempDir dir;
  std::vector<kanscan::test::FixtureTrial> t{
      standard_trial("k1", "kan", "ok", 1, 100, 0, 1, 5, 0.80), standard_trial("m1", "mlp", "ok", 1, 120, 1, 4, 0, 0.83),
      standard_trial("k2", "kan", "ok", 2, 100, 0, 1, 5, 0.80), standard_trial("k4", "kan", "ok", 1, 300, 1, 3, 5, 0.85),
      standard_trial("m2", "mlp", "ok", 2, 120, 1, 4, 0, 0.81)};
  auto reversed = t;
  std::reverse(reversed.begin(), reversed.end());
  kanscan::test::write_results_fixture((dir / "a.h5").string(), standard_columns(), t);
  kanscan::test::write_results_fixture((dir / "b.h5").string(), standard_columns(), reversed);
  const a::ResultsFile fa((dir / "a.h5").string()), fb((dir / "b.h5").string());
  const auto m = a::choose_metric(fa.trials());
  const auto ga = a::aggregate_seeds(fa.trials(), m), gb = a::aggregate_seeds(fb.trials(), m);
  ASSERT_EQ(ga.size(), gb.size());
  for (std::size_t i = 0; i < ga.size(); ++i) {
    EXPECT_EQ(ga[i].label(), gb[i].label());
    EXPECT_EQ(ga[i].trial_ids, gb[i].trial_ids);
    EXPECT_EQ(ga[i].best_trial, gb[i].best_trial);  // k1/k2 tie: the lower seed wins either way
    EXPECT_EQ(ga[i].metrics.at("test_auc").mean, gb[i].metrics.at("test_auc").mean);
  }
  EXPECT_EQ(ga[0].best_trial, "k1");
}

// A `basis:` axis inside one block: each basis is its own model family (Pareto front, column of
// the matched-budget table); a block whose rows share one basis keeps its label.
TEST(Aggregate, BasesOfOneBlockAreSeparateModelFamilies) {
  kanscan::test::TempDir dir;
  auto cols = standard_columns();
  cols.insert(cols.begin() + 5, {kanscan::test::FixtureColumn::string, "basis"});
  auto trial = [](const char* id, const char* model, const char* basis, std::int64_t n, double auc) {
    auto t = standard_trial(id, model, "ok", 1, n, 1, 4, 5, auc);
    t.values.insert(t.values.begin() + 5, std::string(basis));
    return t;
  };
  const std::vector<kanscan::test::FixtureTrial> rows{
      trial("a1", "kan", "rbf", 100, 0.80),        trial("a2", "kan", "chebyshev", 100, 0.82),
      trial("a3", "kan", "rbf", 1000, 0.85),       trial("b1", "fast", "rbf", 120, 0.81),
      trial("m1", "mlp", "", 120, 0.83)};
  kanscan::test::write_results_fixture((dir / "r.h5").string(), cols, rows);
  a::ResultsFile file((dir / "r.h5").string());
  const auto g = a::aggregate_seeds(file.trials(), a::choose_metric(file.trials()));
  std::set<std::string> models;
  for (const auto& c : g) models.insert(c.model);
  EXPECT_EQ(models, (std::set<std::string>{"kan (chebyshev)", "kan (rbf)", "fast", "mlp"}));
  const auto budgets = a::matched_budgets(g, a::choose_metric(file.trials()));
  std::set<std::string> in_budgets;
  for (const auto& b : budgets) in_budgets.insert(b.model);
  EXPECT_EQ(in_budgets, models);
}
