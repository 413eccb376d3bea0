#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/pareto.hpp"
#include "framework/rng.hpp"

using kanscan::analysis::pareto_front;
using kanscan::analysis::ParetoPoint;

namespace {
std::vector<std::size_t> front(const std::vector<ParetoPoint>& p) { return pareto_front(p); }
}  // namespace

TEST(Pareto, DominatedPointsAreDropped) {
  // A(10,.8) dominates B(20,.7); D(5,.6) and C(20,.9) are on the front.
  const std::vector<ParetoPoint> p{{10, 0.8}, {20, 0.7}, {20, 0.9}, {5, 0.6}};
  EXPECT_EQ(front(p), (std::vector<std::size_t>{3, 0, 2}));
}

TEST(Pareto, EqualPointsAreAllKept) {
  const std::vector<ParetoPoint> p{{10, 0.8}, {10, 0.8}, {30, 0.7}};
  EXPECT_EQ(front(p), (std::vector<std::size_t>{0, 1}));
}

TEST(Pareto, TiesInOneCoordinateAreDominated) {
  // Same cost, lower value: dominated. Same value, higher cost: dominated.
  EXPECT_EQ(front({{10, 0.8}, {10, 0.7}}), (std::vector<std::size_t>{0}));
  EXPECT_EQ(front({{20, 0.8}, {10, 0.8}}), (std::vector<std::size_t>{1}));
  // Order of input does not matter for which points survive.
  EXPECT_EQ(front({{10, 0.7}, {10, 0.8}}), (std::vector<std::size_t>{1}));
}

TEST(Pareto, NanAndEmpty) {
  EXPECT_TRUE(front({}).empty());
  EXPECT_EQ(front({{std::nan(""), 0.9}, {10, std::nan("")}, {50, 0.5}}), (std::vector<std::size_t>{2}));
}

TEST(Pareto, MatchesBruteForceDefinition) {
  kanscan::Rng rng(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<ParetoPoint> p;
    const int n = 1 + static_cast<int>(rng.below(40));
    // Few distinct values so that ties in both coordinates are common.
    for (int i = 0; i < n; ++i) p.push_back({double(rng.below(8)), double(rng.below(8)) / 8.0});
    std::vector<std::size_t> brute;
    for (std::size_t i = 0; i < p.size(); ++i) {
      bool dominated = false;
      for (std::size_t j = 0; j < p.size() && !dominated; ++j)
        dominated = p[j].cost <= p[i].cost && p[j].value >= p[i].value &&
                    (p[j].cost < p[i].cost || p[j].value > p[i].value);
      if (!dominated) brute.push_back(i);
    }
    auto got = front(p);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, brute) << "round " << round;
    // Along the front cost rises and value strictly improves between distinct costs.
    const auto ordered = front(p);
    for (std::size_t k = 1; k < ordered.size(); ++k) {
      EXPECT_LE(p[ordered[k - 1]].cost, p[ordered[k]].cost);
      if (p[ordered[k - 1]].cost < p[ordered[k]].cost) {
        EXPECT_LT(p[ordered[k - 1]].value, p[ordered[k]].value);
      }
    }
  }
}
