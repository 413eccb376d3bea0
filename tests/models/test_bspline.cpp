// B-spline bases: local evaluation against a direct Cox-de Boor reference, partition of unity,
// derivatives against central differences.
#include <gtest/gtest.h>

#include <cmath>

#include "framework/rng.hpp"
#include "models/bspline.hpp"

using namespace kanscan;
using namespace kanscan::models;

namespace {

// All G+k basis values from the local evaluation (zeros elsewhere).
std::vector<double> local_all(const SplineKnots<double>& s, int i, double x, std::vector<double>* deriv = nullptr) {
  const int k = s.order(), nb = s.n_basis();
  std::vector<double> out(nb, 0.0);
  if (deriv) deriv->assign(nb, 0.0);
  double N[kMaxSplineOrder + 1], dN[kMaxSplineOrder + 1];
  const int r = s.eval(i, x, N, dN);
  if (r < 0) return out;
  for (int q = 0; q <= k; ++q) {
    const int m = r - k + q;
    if (m < 0 || m >= nb) continue;
    out[m] = N[q];
    if (deriv) (*deriv)[m] = dN[q];
  }
  return out;
}

std::vector<double> sample_points(const SplineKnots<double>& s, int i, Rng& rng) {
  std::vector<double> xs;
  const double* t = s.knots(i);
  const int n = s.n_knots();
  for (int j = 0; j < n; ++j) {
    xs.push_back(t[j]);                    // on a knot
    xs.push_back(t[j] + 1e-9);             // just right of it
    xs.push_back(t[j] - 1e-9);             // just left of it
  }
  for (int j = 0; j < 200; ++j) xs.push_back(rng.uniform(t[0] - 1.0, t[n - 1] + 1.0));
  xs.push_back(t[n - 1] + 5.0);            // far outside
  xs.push_back(t[0] - 5.0);
  return xs;
}

}  // namespace

TEST(BSpline, LocalMatchesCoxDeBoorReference) {
  Rng rng(7);
  for (int k : {1, 2, 3, 5}) {
    for (int G : {1, 2, 5, 11}) {
      // A uniform grid and a non-uniform one (random increasing knots).
      auto uni = SplineKnots<double>::uniform(1, G, k, -1.0, 1.0);
      std::vector<double> kn(G + 2 * k + 1);
      double v = -2.0;
      for (auto& t : kn) v = t = v + rng.uniform(0.05, 0.6);
      auto non = SplineKnots<double>::from_knots(1, G, k, kn);
      for (const auto* s : {&uni, &non}) {
        for (double x : sample_points(*s, 0, rng)) {
          const auto ref = cox_de_boor_reference(s->knots(0), s->n_knots(), k, x);
          const auto loc = local_all(*s, 0, x);
          ASSERT_EQ(ref.size(), loc.size());
          for (std::size_t m = 0; m < ref.size(); ++m)
            ASSERT_NEAR(loc[m], ref[m], 1e-12) << "k=" << k << " G=" << G << " x=" << x << " m=" << m;
        }
      }
    }
  }
}

TEST(BSpline, PartitionOfUnityInsideGrid) {
  Rng rng(3);
  for (int k : {1, 2, 3, 4}) {
    for (int G : {1, 3, 5, 20}) {
      auto s = SplineKnots<double>::uniform(1, G, k, -1.0, 1.0);
      for (int j = 0; j <= 400; ++j) {
        const double x = -1.0 + 2.0 * j / 400.0 - (j == 400 ? 1e-12 : 0.0);
        double sum = 0;
        for (double b : local_all(s, 0, x)) sum += b;
        ASSERT_NEAR(sum, 1.0, 1e-12) << "k=" << k << " G=" << G << " x=" << x;
      }
      // Outside the extended grid every basis is zero.
      for (double b : local_all(s, 0, 1.0 + (k + 1) * 2.0 / G)) ASSERT_EQ(b, 0.0);
    }
  }
}

TEST(BSpline, DerivativeMatchesCentralDifference) {
  Rng rng(5);
  for (int k : {1, 2, 3}) {
    auto s = SplineKnots<double>::uniform(1, 4, k, -1.0, 1.0);
    for (int j = 0; j < 200; ++j) {
      double x = rng.uniform(-3.0, 3.0);
      std::vector<double> d;
      const auto b = local_all(s, 0, x, &d);
      const double h = 1e-7;
      // Central differences cross no knot (keep x away from knots for k = 1, where B' jumps).
      bool near = false;
      for (int t = 0; t < s.n_knots(); ++t) near |= std::abs(x - s.knots(0)[t]) < 10 * h;
      if (near) continue;
      const auto bp = local_all(s, 0, x + h), bm = local_all(s, 0, x - h);
      for (std::size_t m = 0; m < b.size(); ++m) ASSERT_NEAR(d[m], (bp[m] - bm[m]) / (2 * h), 1e-6) << "k=" << k << " x=" << x;
    }
  }
}

TEST(BSpline, RejectsBadGrids) {
  EXPECT_ANY_THROW(SplineKnots<double>::uniform(1, 0, 3, -1, 1));
  EXPECT_ANY_THROW(SplineKnots<double>::uniform(1, 5, 0, -1, 1));
  EXPECT_ANY_THROW(SplineKnots<double>::uniform(1, 5, 3, 1, -1));
  EXPECT_ANY_THROW(SplineKnots<double>::from_knots(1, 1, 1, {0.0, 1.0, 0.5, 2.0}));
}
