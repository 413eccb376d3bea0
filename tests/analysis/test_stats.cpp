// Test-sample uncertainties and paired tests (framework/metrics Influence, analysis/stats):
// DeLong's variance against its O(mn) definition, the stored standard errors of a trained
// trial against a bootstrap done here, and the paired p-value's behaviour under the null
// (uniform) and under a clear difference (small).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "analysis/stats.hpp"
#include "framework/error.hpp"
#include "framework/metrics.hpp"
#include "framework/rng.hpp"
#include "models/trial_runner.hpp"
#include "tests/models/synthetic.hpp"

using namespace kanscan;
namespace a = kanscan::analysis;

namespace {

// Scores of a classifier of strength mu: label ~ Bernoulli(1/2), score = mu * label + N(0, 1),
// rounded to 1/20 so that ties occur.
void draw(Rng& rng, std::size_t n, double mu, std::vector<int>& labels, std::vector<float>& s) {
  labels.resize(n);
  s.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = rng.uniform() < 0.5;
    s[i] = static_cast<float>(std::round((mu * labels[i] + rng.normal()) * 20.0) / 20.0);
  }
}

// DeLong's S10/m + S01/n straight from the definition (O(mn)).
double delong_by_definition(const std::vector<float>& s, const std::vector<int>& l) {
  std::vector<float> pos, neg;
  for (std::size_t i = 0; i < s.size(); ++i) (l[i] ? pos : neg).push_back(s[i]);
  auto psi = [](float x, float y) { return x > y ? 1.0 : x == y ? 0.5 : 0.0; };
  const double m = pos.size(), n = neg.size();
  std::vector<double> v10(pos.size()), v01(neg.size());
  double auc = 0;
  for (std::size_t i = 0; i < pos.size(); ++i)
    for (std::size_t j = 0; j < neg.size(); ++j) {
      const double p = psi(pos[i], neg[j]);
      v10[i] += p / n;
      v01[j] += p / m;
      auc += p / (m * n);
    }
  double s10 = 0, s01 = 0;
  for (double v : v10) s10 += (v - auc) * (v - auc) / (m - 1);
  for (double v : v01) s01 += (v - auc) * (v - auc) / (n - 1);
  return s10 / m + s01 / n;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

double sd(const std::vector<double>& v) {
  const double m = mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / double(v.size() - 1));
}

}  // namespace

TEST(Stats, AucInfluenceIsDeLongWithTies) {
  Rng rng(7);
  std::vector<int> l;
  std::vector<float> s;
  draw(rng, 400, 1.0, l, s);
  const metrics::Influence infl = metrics::auc_influence(s, l);
  EXPECT_DOUBLE_EQ(infl.value, metrics::auc(s, l));
  EXPECT_NEAR(infl.variance(), delong_by_definition(s, l), 1e-12);
  // The influences of a sample sum to zero (the metric of the sample itself).
  EXPECT_NEAR(std::accumulate(infl.influence.begin(), infl.influence.end(), 0.0), 0.0, 1e-12);
  // Unit weights are no weights.
  const std::vector<float> ones(s.size(), 1.0f);
  EXPECT_NEAR(metrics::auc_influence(s, l, ones).variance(), infl.variance(), 1e-15);
  // Weight 2 on an event equals the event twice, to first order: the variance of a sample with
  // every weight doubled is unchanged.
  const std::vector<float> twos(s.size(), 2.0f);
  EXPECT_NEAR(metrics::auc_influence(s, l, twos).variance(), infl.variance(), 1e-15);
  EXPECT_THROW(metrics::auc_influence(s, std::vector<int>(s.size(), 1)), InputError);
}

TEST(Stats, MeanInfluenceIsTheBinomialAndStandardError) {
  std::vector<double> correct(1000, 0.0);
  for (std::size_t i = 0; i < 800; ++i) correct[i] = 1.0;
  const metrics::Influence acc = metrics::mean_influence(correct);
  EXPECT_DOUBLE_EQ(acc.value, 0.8);
  // sample standard deviation / sqrt(n) = sqrt(p(1-p) n/(n-1) / n)
  EXPECT_NEAR(acc.std_error(), std::sqrt(0.8 * 0.2 / 999.0), 1e-12);
}

// The standard errors a trained trial stores agree with a bootstrap of its test events done
// here, independently of kanscan's code (within 20 %: the bootstrap itself scatters ~5 %).
TEST(Stats, StoredStandardErrorsAgreeWithABootstrap) {
  const DataSplit data = test::split(test::make_classification(6000, 4, 11), Task::classification);
  TrialConfig c;
  c.model.type = ModelType::mlp;
  c.model.depth = 1;
  c.model.width = 8;
  c.model.optimizer.lr = 1e-2;
  c.train.epochs = 5;
  c.train.batch_size = 256;
  c.seed = 4;
  const TrialOutcome out = models::run_trial(c, data);
  ASSERT_TRUE(out.ok) << out.error;
  const std::size_t n = data.test.size();
  std::vector<float> s(out.test_predictions.data(), out.test_predictions.data() + n);
  std::vector<int> l(data.test.labels.begin(), data.test.labels.end());
  Rng rng(99);
  std::vector<double> aucs, accs;
  std::vector<float> bs(n);
  std::vector<int> bl(n);
  for (int b = 0; b < 400; ++b) {
    double right = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = rng.below(n);
      bs[k] = s[i];
      bl[k] = l[i];
      right += (s[i] >= 0.5f) == (l[i] != 0);
    }
    aucs.push_back(metrics::auc(bs, bl));
    accs.push_back(right / double(n));
  }
  const double auc_err = out.metrics.at("test_auc_err"), acc_err = out.metrics.at("test_accuracy_err");
  EXPECT_GT(auc_err, 0.0);
  EXPECT_NEAR(auc_err / sd(aucs), 1.0, 0.2) << auc_err << " vs bootstrap " << sd(aucs);
  EXPECT_NEAR(acc_err / sd(accs), 1.0, 0.2) << acc_err << " vs bootstrap " << sd(accs);
  // And the validation metrics of the kept model are recorded.
  EXPECT_TRUE(std::isfinite(out.metrics.at("val_auc")));
  EXPECT_TRUE(std::isfinite(out.metrics.at("val_loss")));
}

TEST(Stats, StoredMaeErrorAgreesWithABootstrap) {
  const DataSplit data = test::split(test::make_regression(5000, 3, 5), Task::regression);
  TrialConfig c;
  c.task = Task::regression;
  c.model.type = ModelType::mlp;
  c.model.depth = 1;
  c.model.width = 16;
  c.model.optimizer.lr = 1e-2;
  c.train.loss = Loss::mae;
  c.train.epochs = 4;
  c.train.batch_size = 256;
  c.seed = 2;
  const TrialOutcome out = models::run_trial(c, data);
  ASSERT_TRUE(out.ok) << out.error;
  const std::size_t n = data.test.size();
  // Standardised absolute residuals of target "pt", from the physical predictions.
  const double sd_pt = [&] {
    double m = 0, ss = 0;
    const auto& t = data.train.targets;
    for (Eigen::Index i = 0; i < t.rows(); ++i) m += t(i, 0);
    m /= double(t.rows());
    for (Eigen::Index i = 0; i < t.rows(); ++i) ss += (t(i, 0) - m) * (t(i, 0) - m);
    return std::sqrt(ss / double(t.rows()));
  }();
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n; ++i)
    r[i] = std::abs(out.test_predictions(Eigen::Index(i), 0) - data.test.targets(Eigen::Index(i), 0)) / sd_pt;
  Rng rng(5);
  std::vector<double> maes;
  for (int b = 0; b < 400; ++b) {
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k) sum += r[rng.below(n)];
    maes.push_back(sum / double(n));
  }
  EXPECT_NEAR(out.metrics.at("test_mae_err_pt") / sd(maes), 1.0, 0.2);
  EXPECT_NEAR(mean(r), out.metrics.at("test_mae_pt"), 1e-4);
  EXPECT_GT(out.metrics.at("test_mae_err"), 0.0);
  EXPECT_TRUE(std::isfinite(out.metrics.at("val_mae_pz")));
}

// Two models of the same quality, each scoring the same events with its own noise: the paired
// DeLong p-value is uniform. 400 repetitions: the fraction below 0.05 and the mean are where a
// uniform distribution puts them, and a Kolmogorov-Smirnov test against uniform does not
// reject.
TEST(Stats, PairedPValueIsUniformForEqualModelsAndSmallForABetterOne) {
  Rng rng(2024);
  std::vector<double> p;
  std::vector<double> small_p;
  const std::size_t n = 1500;
  for (int rep = 0; rep < 400; ++rep) {
    std::vector<int> l(n);
    std::vector<float> sa(n), sb(n), sc(n);
    for (std::size_t i = 0; i < n; ++i) {
      l[i] = rng.uniform() < 0.5;
      const double shared = rng.normal();  // what both models see: correlated scores
      sa[i] = static_cast<float>(1.0 * l[i] + 0.7 * shared + 0.7 * rng.normal());
      sb[i] = static_cast<float>(1.0 * l[i] + 0.7 * shared + 0.7 * rng.normal());
      sc[i] = static_cast<float>(1.6 * l[i] + 0.7 * shared + 0.7 * rng.normal());
    }
    const auto ia = metrics::auc_influence(sa, l), ib = metrics::auc_influence(sb, l), ic = metrics::auc_influence(sc, l);
    p.push_back(a::paired_influence_test({ia}, {ib}).p_value);
    if (rep < 20) small_p.push_back(a::paired_influence_test({ic}, {ia}).p_value);
  }
  const double below = double(std::count_if(p.begin(), p.end(), [](double x) { return x < 0.05; })) / double(p.size());
  EXPECT_GT(below, 0.02);
  EXPECT_LT(below, 0.09);
  EXPECT_NEAR(mean(p), 0.5, 0.05);
  std::vector<double> uniform;
  for (int k = 0; k < 2000; ++k) uniform.push_back((k + 0.5) / 2000.0);
  EXPECT_GT(a::ks_test(p, uniform).p_value, 0.01);
  for (double x : small_p) EXPECT_LT(x, 1e-6);
}

// Seeds: the seed means' difference with the spread of the seeds added; one seed a side adds
// nothing.
TEST(Stats, PairedTestAddsTheSeedSpread) {
  Rng rng(3);
  std::vector<int> l;
  std::vector<float> s;
  draw(rng, 800, 1.0, l, s);
  metrics::Influence x = metrics::auc_influence(s, l);
  metrics::Influence y = x, z = x;
  y.value += 0.01;
  z.value -= 0.01;
  const a::Comparison one = a::paired_influence_test({x}, {x});
  EXPECT_DOUBLE_EQ(one.delta, 0.0);
  EXPECT_DOUBLE_EQ(one.seed_err, 0.0);
  EXPECT_DOUBLE_EQ(one.p_value, 1.0);
  const a::Comparison two = a::paired_influence_test({y, z}, {x});
  EXPECT_NEAR(two.delta, 0.0, 1e-15);
  EXPECT_NEAR(two.seed_err, std::sqrt(2e-4 / 2.0), 1e-12);  // sample variance 2e-4 over 2 seeds
  EXPECT_NEAR(two.test_err, 0.0, 1e-15);                   // identical influences cancel
  EXPECT_THROW(a::paired_influence_test({x}, {metrics::Influence{0.5, {1.0}}}), InputError);
}

TEST(Stats, PairedBootstrapMatchesTheClosedForm) {
  Rng rng(8);
  const std::size_t n = 3000;
  std::vector<double> la(n), lb(n), d(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double common = std::abs(rng.normal());
    la[i] = common + 0.3 * std::abs(rng.normal());
    lb[i] = common + 0.3 * std::abs(rng.normal()) + 0.02;
    d[i] = la[i] - lb[i];
  }
  const a::Comparison c = a::paired_bootstrap_test({la}, {lb}, 17, 1000);
  EXPECT_NEAR(c.delta, mean(d), 1e-12);
  EXPECT_NEAR(c.test_err / (sd(d) / std::sqrt(double(n))), 1.0, 0.1);
  EXPECT_LT(c.p_value, 1e-3);
  // Deterministic for the seed.
  EXPECT_EQ(a::paired_bootstrap_test({la}, {lb}, 17, 1000).test_err, c.test_err);
  const a::Comparison same = a::paired_bootstrap_test({la}, {la}, 17, 100);
  EXPECT_EQ(same.delta, 0.0);
  EXPECT_EQ(same.p_value, 1.0);
}

TEST(Stats, KolmogorovSmirnov) {
  Rng rng(1);
  std::vector<double> x(2000), y(2000), z(2000);
  for (auto& v : x) v = rng.normal();
  for (auto& v : y) v = rng.normal();
  for (auto& v : z) v = rng.normal() + 0.3;
  EXPECT_GT(a::ks_test(x, y).p_value, 0.01);
  EXPECT_LT(a::ks_test(x, z).p_value, 1e-6);
  EXPECT_NEAR(a::ks_test({0.0, 1.0}, {2.0, 3.0}).statistic, 1.0, 1e-15);
}
