#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "framework/error.hpp"
#include "framework/metrics.hpp"

namespace m = kanscan::metrics;

TEST(Metrics, AucPerfectAndInverted) {
  std::vector<float> s{0.1f, 0.2f, 0.8f, 0.9f};
  std::vector<int> y{0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(m::auc(s, y), 1.0);
  std::vector<int> inv{1, 1, 0, 0};
  EXPECT_DOUBLE_EQ(m::auc(s, inv), 0.0);
}

TEST(Metrics, AucHandComputedWithTies) {
  // Pairs (pos, neg): pos scores {0.5, 0.7}, neg {0.5, 0.3}.
  // (0.5,0.5) tie = 1/2, (0.5,0.3) = 1, (0.7,0.5) = 1, (0.7,0.3) = 1 -> 3.5/4.
  std::vector<float> s{0.5f, 0.7f, 0.5f, 0.3f};
  std::vector<int> y{1, 1, 0, 0};
  EXPECT_DOUBLE_EQ(m::auc(s, y), 3.5 / 4.0);
}

TEST(Metrics, AucWeightedEqualsReplicatedEvents) {
  // Weight 2 on one negative equals listing it twice.
  std::vector<float> s{0.9f, 0.4f, 0.6f, 0.2f};
  std::vector<int> y{1, 1, 0, 0};
  std::vector<float> w{1, 1, 2, 1};
  std::vector<float> s2{0.9f, 0.4f, 0.6f, 0.6f, 0.2f};
  std::vector<int> y2{1, 1, 0, 0, 0};
  EXPECT_DOUBLE_EQ(m::auc(s, y, w), m::auc(s2, y2));
  // Hand: pos {0.9, 0.4}, neg {0.6 (x2), 0.2}: wins 0.9: 3, 0.4: 1 -> 4/6.
  EXPECT_DOUBLE_EQ(m::auc(s, y, w), 4.0 / 6.0);
}

TEST(Metrics, SingleClassIsAClearError) {
  std::vector<float> s{0.1f, 0.2f};
  std::vector<int> y{1, 1};
  try {
    m::auc(s, y);
    FAIL() << "expected InputError";
  } catch (const kanscan::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("both classes"), std::string::npos);
  }
}

TEST(Metrics, RocEndsAtOneOne) {
  std::vector<float> s{0.3f, 0.3f, 0.6f, 0.1f};
  std::vector<int> y{1, 0, 1, 0};
  const auto roc = m::roc_curve(s, y);
  EXPECT_DOUBLE_EQ(roc.fpr.front(), 0.0);
  EXPECT_DOUBLE_EQ(roc.tpr.back(), 1.0);
  EXPECT_DOUBLE_EQ(roc.fpr.back(), 1.0);
  EXPECT_EQ(roc.fpr.size(), 4u);  // origin + 3 distinct scores
}

TEST(Metrics, AccuracyAndMae) {
  std::vector<float> s{0.2f, 0.7f, 0.5f, 0.4f};
  std::vector<int> y{0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(m::accuracy(s, y), 0.5);
  std::vector<float> p{1, 2, 3, 4}, t{2, 2, 1, 4};
  const auto mae = m::mae_per_column(p, t, 2);
  EXPECT_DOUBLE_EQ(mae[0], 1.5);
  EXPECT_DOUBLE_EQ(mae[1], 0.0);
  const auto rmse = m::rmse_per_column(p, t, 2);
  EXPECT_DOUBLE_EQ(rmse[0], std::sqrt((1.0 + 4.0) / 2.0));
}

TEST(Metrics, NanScoreIsANumericalError) {
  std::vector<float> s{0.1f, std::nanf(""), 0.7f};
  std::vector<int> y{0, 1, 1};
  EXPECT_THROW(m::auc(s, y), kanscan::NumericalError);
}

TEST(Metrics, EmptyInputIsAClearError) {
  std::vector<float> s;
  std::vector<int> y;
  EXPECT_THROW(m::auc(s, y), kanscan::InputError);
  std::vector<float> s1{0.5f};
  std::vector<int> y2{0, 1};
  EXPECT_THROW(m::auc(s1, y2), kanscan::InputError);
}

TEST(Metrics, AllScoresTiedGiveHalf) {
  std::vector<float> s{0.3f, 0.3f, 0.3f, 0.3f, 0.3f};
  std::vector<int> y{1, 0, 0, 1, 0};
  EXPECT_DOUBLE_EQ(m::auc(s, y), 0.5);
  const auto roc = m::roc_curve(s, y);
  EXPECT_EQ(roc.fpr.size(), 2u);  // origin and the single tie group
}

TEST(Metrics, BestAccuracyHandComputed) {
  // Cuts: none 2/4, >=0.8 3/4, >=0.4 2/4, >=0.35 3/4, >=0.1 2/4: tie -> higher threshold.
  std::vector<float> s{0.1f, 0.35f, 0.4f, 0.8f};
  std::vector<int> y{0, 1, 0, 1};
  auto best = m::best_accuracy(s, y);
  EXPECT_DOUBLE_EQ(best.value, 0.75);
  EXPECT_FLOAT_EQ(float(best.threshold), 0.8f);
  // Weight 3 on the 0.35 signal: >=0.35 keeps 4 of 4 signal and rejects 1 of 2 background: 5/6.
  std::vector<float> w{1, 3, 1, 1};
  best = m::best_accuracy(s, y, w);
  EXPECT_DOUBLE_EQ(best.value, 5.0 / 6.0);
  EXPECT_FLOAT_EQ(float(best.threshold), 0.35f);
  // Accuracy at the chosen threshold agrees with accuracy().
  EXPECT_DOUBLE_EQ(m::accuracy(s, y, best.threshold, w), best.value);
}

TEST(Metrics, BestAccuracyCanSelectNothing) {
  // Every signal scores below every background: calling all background is best (3/4).
  std::vector<float> s{0.9f, 0.8f, 0.7f, 0.1f};
  std::vector<int> y{0, 0, 0, 1};
  const auto best = m::best_accuracy(s, y);
  EXPECT_DOUBLE_EQ(best.value, 0.75);
  EXPECT_TRUE(std::isinf(best.threshold));
}

TEST(Metrics, WorkingPointsOnStepRoc) {
  // ROC: (0,0) (0,1/3) (1/3,1/3) (1/3,2/3) (2/3,2/3) (2/3,1) (1,1).
  std::vector<float> s{0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f};
  std::vector<int> y{1, 0, 1, 0, 1, 0};
  const auto roc = m::roc_curve(s, y);
  EXPECT_DOUBLE_EQ(m::signal_efficiency_at_rejection(roc, 1.0), 1.0 / 3.0);
  // On the vertical segment at fpr = 1/3 the best efficiency (2/3) counts.
  EXPECT_DOUBLE_EQ(m::signal_efficiency_at_rejection(roc, 2.0 / 3.0), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m::signal_efficiency_at_rejection(roc, 0.5), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m::signal_efficiency_at_rejection(roc, 0.0), 1.0);
  EXPECT_THROW(m::signal_efficiency_at_rejection(roc, 1.5), kanscan::InputError);
}

TEST(Metrics, WorkingPointsInterpolate) {
  m::Roc roc;
  roc.fpr = {0.0, 0.5, 1.0};
  roc.tpr = {0.0, 0.8, 1.0};
  EXPECT_DOUBLE_EQ(m::signal_efficiency_at_rejection(roc, 0.75), 0.4);
  EXPECT_DOUBLE_EQ(m::signal_efficiency_at_rejection(roc, 0.25), 0.9);
  EXPECT_DOUBLE_EQ(m::rejection_at_signal_efficiency(roc, 0.4), 0.75);
  EXPECT_DOUBLE_EQ(m::rejection_at_signal_efficiency(roc, 0.8), 0.5);
  EXPECT_DOUBLE_EQ(m::rejection_at_signal_efficiency(roc, 0.0), 1.0);
}

TEST(Metrics, AsimovSignificanceHandComputed) {
  // sqrt(2(110 ln 1.1 - 10)), evaluated independently in Python.
  EXPECT_NEAR(m::asimov_significance(10, 100), 0.9839916447569484, 1e-12);
  // s << b: Z -> s / sqrt(b).
  EXPECT_NEAR(m::asimov_significance(1, 1e6), 1e-3, 1e-6);
  EXPECT_DOUBLE_EQ(m::asimov_significance(0, 10), 0.0);
  EXPECT_TRUE(std::isinf(m::asimov_significance(1, 0)));
}

TEST(Metrics, BestSignificanceHandComputed) {
  // Cuts with b >= 1: >=0.7 (s2,b1), >=0.6 (s3,b1) best, >=0.5 (s3,b2), >=0.4 (s3,b3).
  std::vector<float> s{0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f};
  std::vector<int> y{1, 1, 0, 1, 0, 0};
  auto z = m::best_significance(s, y);
  EXPECT_NEAR(z.z, 2.2561814840475765, 1e-12);
  EXPECT_FLOAT_EQ(float(z.threshold), 0.6f);
  EXPECT_DOUBLE_EQ(z.s, 3.0);
  EXPECT_DOUBLE_EQ(z.b, 1.0);
  // Scaled to 30 expected signal and 300 background: >=0.6 gives s = 30, b = 100.
  z = m::best_significance(s, y, {}, 30.0, 300.0);
  EXPECT_NEAR(z.z, 2.866131323151064, 1e-12);
  EXPECT_DOUBLE_EQ(z.b, 100.0);
}

TEST(Metrics, RegressionMetricsStandardisedAndPhysical) {
  // Two targets, three events; target stds 2 and 0.5.
  std::vector<float> p{1, 0, 2, 1, 3, 3};
  std::vector<float> t{0, 0, 2, 0, 6, 3};
  std::vector<double> sd{2.0, 0.5};
  const auto r = m::regression_metrics(p, t, 2, sd);
  EXPECT_DOUBLE_EQ(r.mae[0], (1.0 + 0.0 + 3.0) / 3.0);
  EXPECT_DOUBLE_EQ(r.mae[1], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.mae_std[0], r.mae[0] / 2.0);
  EXPECT_DOUBLE_EQ(r.mae_std[1], r.mae[1] / 0.5);
  EXPECT_DOUBLE_EQ(r.rmse[0], std::sqrt(10.0 / 3.0));
  EXPECT_DOUBLE_EQ(r.mae_mean, 0.5 * (r.mae[0] + r.mae[1]));
  EXPECT_DOUBLE_EQ(r.mae_std_mean, 0.5 * (r.mae_std[0] + r.mae_std[1]));
  std::vector<double> bad{1.0};
  EXPECT_THROW(m::regression_metrics(p, t, 2, bad), kanscan::InputError);
}

// The linear-time sort behind every ROC must give the comparison sort's order (score descending,
// ties by index, -0 tied with +0), hence bitwise the same curve and AUC: the reference below is the
// comparison-sorted trapezoid sum, computed independently.
TEST(Metrics, RadixOrderedAucEqualsComparisonSortBitwise) {
  std::mt19937 gen(5);
  for (int trial = 0; trial < 4; ++trial) {
    const std::size_t n = trial == 0 ? 7 : 20000 + 3 * trial;
    std::vector<float> s(n), w(n);
    std::vector<int> y(n);
    std::uniform_real_distribution<float> u(-3.0f, 3.0f);
    for (std::size_t i = 0; i < n; ++i) {
      float v = u(gen);
      if (i % 5 == 0) v = std::round(v * 4) / 4;  // many ties
      if (i % 11 == 0) v = (i % 22 == 0) ? -0.0f : 0.0f;
      if (i % 97 == 0) v = -1e30f * (1 + (i % 3));
      s[i] = trial == 3 ? 1.0f / (1.0f + std::exp(-v)) : v;
      y[i] = (gen() % 3) == 0;
      w[i] = 0.5f + (gen() % 7) * 0.25f;
    }
    y[0] = 1;
    y[1] = 0;
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s[a] != s[b] ? s[a] > s[b] : a < b; });
    for (const bool weighted : {false, true}) {
      double pos = 0, neg = 0;
      for (std::size_t i = 0; i < n; ++i) (y[i] ? pos : neg) += weighted ? w[i] : 1.0;
      std::vector<double> fpr{0.0}, tpr{0.0};
      double tp = 0, fp = 0;
      for (std::size_t k = 0; k < n;) {
        const float g = s[idx[k]];
        for (; k < n && s[idx[k]] == g; ++k) (y[idx[k]] ? tp : fp) += weighted ? w[idx[k]] : 1.0;
        fpr.push_back(fp / neg);
        tpr.push_back(tp / pos);
      }
      double area = 0;
      for (std::size_t i = 1; i < fpr.size(); ++i) area += (fpr[i] - fpr[i - 1]) * 0.5 * (tpr[i] + tpr[i - 1]);
      const std::span<const float> ws = weighted ? std::span<const float>(w) : std::span<const float>();
      const auto roc = m::roc_curve(s, y, ws);
      EXPECT_EQ(roc.fpr, fpr);
      EXPECT_EQ(roc.tpr, tpr);
      const double got = m::auc(s, y, ws);
      EXPECT_EQ(std::memcmp(&got, &area, sizeof area), 0) << "n " << n << " weighted " << weighted;
    }
  }
}
