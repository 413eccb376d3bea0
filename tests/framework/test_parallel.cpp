#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "framework/parallel.hpp"
#include "framework/rng.hpp"

namespace {

// Sum of many floats of very different magnitude: any change in association order changes bits.
double blocked_sum(const std::vector<double>& v, int threads) {
  double total = 0;
  kanscan::blocked_reduce(
      v.size(), 97, threads, total, [](double& p) { p = 0; },
      [&](std::size_t b, std::size_t e, double& p) {
        for (std::size_t i = b; i < e; ++i) p += v[i];
      },
      [](double& t, const double& p) { t += p; });
  return total;
}

}  // namespace

TEST(Parallel, BlockedReduceIsBitwiseIdenticalForAnyThreadCount) {
  kanscan::Rng rng(1);
  std::vector<double> v(100003);
  for (auto& x : v) x = std::pow(10.0, rng.uniform(-8, 8)) * (rng.uniform() < 0.5 ? -1 : 1);
  const double one = blocked_sum(v, 1);
  for (int t : {2, 3, 4, 7}) {
    const double many = blocked_sum(v, t);
    EXPECT_EQ(std::memcmp(&one, &many, sizeof(double)), 0) << "threads=" << t;
  }
}

TEST(Parallel, ParallelForVisitsEachIndexOnce) {
  std::vector<int> hits(1000, 0);
  kanscan::parallel_for(hits.size(), 2, [&](std::size_t i) { hits[i] += 1; });
  for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(Parallel, ExceptionInTeamIsRethrownOnCaller) {
  EXPECT_THROW(kanscan::parallel_for(100, 2,
                                     [](std::size_t i) {
                                       if (i == 63) throw std::runtime_error("boom");
                                     }),
               std::runtime_error);
}

TEST(Parallel, BlocksDependOnlyOnSize) {
  EXPECT_EQ(kanscan::num_blocks(10, 3), 4u);
  const auto r = kanscan::block_range(3, 10, 3);
  EXPECT_EQ(r.begin, 9u);
  EXPECT_EQ(r.end, 10u);
  EXPECT_EQ(kanscan::num_blocks(0, 3), 0u);
}
