#include <gtest/gtest.h>

#include <cmath>
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
