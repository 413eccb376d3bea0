#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "framework/rng.hpp"

using kanscan::Rng;

TEST(Rng, SplitMix64KnownValues) {
  // Reference values of splitmix64 seeded with 0 (Vigna's splitmix64.c, successive outputs).
  std::uint64_t x = 0;
  auto next = [&] {
    const std::uint64_t out = kanscan::splitmix64(x);
    x += 0x9E3779B97F4A7C15ULL;
    return out;
  };
  EXPECT_EQ(next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(next(), 0x06C45D188009454FULL);
}

TEST(Rng, SameSeedSameStreamDifferentSeedDifferent) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto va = a.next();
    EXPECT_EQ(va, b.next());
    EXPECT_NE(va, c.next());
  }
}

TEST(Rng, UniformInUnitIntervalWithRightMean) {
  Rng r(7);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.003);
}

TEST(Rng, NormalMomentsMatch) {
  Rng r(11);
  double s1 = 0, s2 = 0;
  const int n = 400000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s1 += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s1 / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.01);
}

TEST(Rng, BelowIsUniformAndInRange) {
  Rng r(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto k = r.below(7);
    ASSERT_LT(k, 7u);
    counts[k]++;
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

TEST(Rng, ShuffleIsAPermutationAndSeedDependent) {
  std::vector<int> a(50), b(50);
  std::iota(a.begin(), a.end(), 0);
  b = a;
  Rng r1(5), r2(6);
  kanscan::shuffle(a.begin(), a.end(), r1);
  kanscan::shuffle(b.begin(), b.end(), r2);
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a[i], i);
}
