#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "analysis/kan_functions.hpp"
#include "models/model.hpp"
#include "framework/error.hpp"
#include "framework/rng.hpp"
#include "tests/analysis/fixture.hpp"

namespace a = kanscan::analysis;

TEST(KanFunctions, LinearBsplinesAreHatFunctions) {
  // Order 1 on knots 0,1,2,3: two hats peaking at 1 and 2.
  const std::vector<double> knots{0, 1, 2, 3};
  auto b = a::bspline_basis(knots, 1, 0.5);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b[0], 0.5);
  EXPECT_DOUBLE_EQ(b[1], 0.0);
  b = a::bspline_basis(knots, 1, 1.25);
  EXPECT_DOUBLE_EQ(b[0], 0.75);
  EXPECT_DOUBLE_EQ(b[1], 0.25);
  b = a::bspline_basis(knots, 1, 3.0);  // half-open: the right end is outside
  EXPECT_DOUBLE_EQ(b[0] + b[1], 0.0);
}

TEST(KanFunctions, CubicBasisIsAPartitionOfUnityInsideTheGrid) {
  std::vector<double> knots;
  for (int j = -3; j <= 8; ++j) knots.push_back(-1.0 + 2.0 * j / 5.0);  // G = 5, k = 3 on [-1, 1]
  kanscan::Rng rng(7);
  for (int i = 0; i < 100; ++i) {
    const double x = rng.uniform(-1.0, 1.0);
    const auto b = a::bspline_basis(knots, 3, x);
    ASSERT_EQ(b.size(), 8u);
    EXPECT_NEAR(std::accumulate(b.begin(), b.end(), 0.0), 1.0, 1e-12);
    for (double v : b) EXPECT_GE(v, 0.0);
  }
  // The uniform cubic B-spline at a knot: 1/6, 2/3, 1/6.
  const auto b = a::bspline_basis(knots, 3, knots[5]);
  EXPECT_NEAR(b[2], 1.0 / 6.0, 1e-12);
  EXPECT_NEAR(b[3], 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(b[4], 1.0 / 6.0, 1e-12);
}

TEST(KanFunctions, EdgeFollowsTheSpecFormula) {
  const auto m = kanscan::test::fixture_kan(2);
  const auto& l = m.layers[0];
  // Feature 1: base 1.0, scaler 1, coefficients 2 (m - 3.5) / 4. A B-spline with coefficients
  // linear in m reproduces a linear function: sum_m (m - 3.5) B_m(x) = (x - c) / h for uniform
  // knots of spacing h = 0.4, with c the point where it is zero (0 by symmetry here).
  for (double x : {-0.7, -0.1, 0.0, 0.3, 0.9}) {
    const double silu = x / (1 + std::exp(-x));
    const double spline = 2.0 / 4.0 * (x / 0.4);
    EXPECT_NEAR(a::kan_edge(l, 0, 1, x), 1.0 * silu + spline, 1e-12) << x;
  }
  // Outside the knots only the SiLU part remains.
  EXPECT_NEAR(a::kan_edge(l, 0, 0, 5.0), 0.5 * 5.0 / (1 + std::exp(-5.0)), 1e-12);
  EXPECT_THROW(a::kan_edge(l, 1, 0, 0.0), kanscan::InputError);
}

TEST(KanFunctions, ImportanceRanksTheStrongerFeature) {
  const auto m = kanscan::test::fixture_kan(3);  // feature i scaled by i + 1
  const auto grid_imp = a::kan_feature_importance(m);
  ASSERT_EQ(grid_imp.size(), 3u);
  EXPECT_LT(grid_imp[0], grid_imp[1]);
  EXPECT_LT(grid_imp[1], grid_imp[2]);
  // Everything is linear in the scale, so importance is too.
  EXPECT_NEAR(grid_imp[2] / grid_imp[0], 3.0, 1e-9);
  // With samples: the mean |phi| over those samples, computed by hand for two events.
  const std::vector<float> x{0.5f, -0.2f, 0.1f, -0.5f, 0.3f, 0.0f};
  const auto imp = a::kan_feature_importance(m, x, 3);
  const double want0 = 0.5 * (std::abs(a::kan_edge(m.layers[0], 0, 0, 0.5)) + std::abs(a::kan_edge(m.layers[0], 0, 0, -0.5)));
  EXPECT_NEAR(imp[0], want0, 1e-6);
  EXPECT_THROW(a::kan_feature_importance(m, x, 2), kanscan::InputError);
}

TEST(KanFunctions, MalformedLayersAreInputErrors) {
  auto m = kanscan::test::fixture_kan(2);
  m.layers[0].tensors["spline_weight"].shape = {1, 2, 7};
  EXPECT_THROW(a::kan_shape(m.layers[0]), kanscan::InputError);
  m.layers[0].kind = kanscan::LayerKind::linear;
  EXPECT_THROW(a::kan_feature_importance(m), kanscan::InputError);
}

TEST(KanFunctions, LogLikelihoodRatioHandComputed) {
  // x uniform on a fine lattice; signal twice as dense for x > 0.5: LLR = ln(4/3) above and
  // ln(2/3) below (densities normalised: signal 1/3 and 2/3 of its events in each half).
  std::vector<float> x;
  std::vector<int> y;
  for (int i = 0; i < 4000; ++i) {
    const float v = (i + 0.5f) / 4000.0f;
    x.push_back(v), y.push_back(0);
    x.push_back(v), y.push_back(1);
    if (v > 0.5f) x.push_back(v), y.push_back(1);
  }
  const auto c = a::log_likelihood_ratio(x, y, {}, 10, 10);
  ASSERT_GT(c.center.size(), 6u);
  for (std::size_t b = 0; b < c.center.size(); ++b) {
    if (std::abs(c.center[b] - 0.5) < 0.1) continue;  // the bin straddling the step
    const double want = c.center[b] > 0.5 ? std::log(4.0 / 3.0) : std::log(2.0 / 3.0);
    EXPECT_NEAR(c.llr[b], want, 0.01) << c.center[b];
  }
  // Weights act like duplicated events.
  std::vector<float> x2, w2;
  std::vector<int> y2;
  for (int i = 0; i < 4000; ++i) {
    const float v = (i + 0.5f) / 4000.0f;
    x2.push_back(v), y2.push_back(0), w2.push_back(1);
    x2.push_back(v), y2.push_back(1), w2.push_back(v > 0.5f ? 2.0f : 1.0f);
  }
  const auto cw = a::log_likelihood_ratio(x2, y2, w2, 10, 10);
  ASSERT_GT(cw.center.size(), 6u);
  for (std::size_t b = 0; b < cw.center.size(); ++b) {
    if (std::abs(cw.center[b] - 0.5) < 0.1) continue;
    const double want = cw.center[b] > 0.5 ? std::log(4.0 / 3.0) : std::log(2.0 / 3.0);
    EXPECT_NEAR(cw.llr[b], want, 0.01) << cw.center[b];
  }
  std::vector<int> only_bkg(x.size(), 0);
  EXPECT_THROW(a::log_likelihood_ratio(x, only_bkg), kanscan::InputError);
}

TEST(KanFunctions, CenteredImportanceIgnoresConstantShifts) {
  // Adding 1 to every coefficient adds the constant 1 inside the grid (partition of unity):
  // the model is unchanged up to a constant, so the centered importance must be too.
  auto m = kanscan::test::fixture_kan(2);
  const auto before = a::kan_feature_importance(m, {}, 0, true);
  const auto before_raw = a::kan_feature_importance(m);
  for (std::size_t k = 0; k < 8; ++k) m.layers[0].tensors["spline_weight"].data[k] += 1.0;  // feature 0
  const auto after = a::kan_feature_importance(m, {}, 0, true);
  const auto after_raw = a::kan_feature_importance(m);
  EXPECT_NEAR(after[0], before[0], 1e-9);
  EXPECT_NEAR(after[1], before[1], 1e-12);
  EXPECT_GT(std::abs(after_raw[0] - before_raw[0]), 0.1);
}

// Every basis: the edges of a trained-like layer (random coefficients) summed over the inputs,
// plus the layer's bias, are kanscan's own forward pass; the active range is the basis's.
TEST(KanFunctions, EveryBasisEdgesSumToTheLayerForward) {
  using kanscan::Basis;
  kanscan::Rng rng(17);
  for (Basis b : {Basis::bspline, Basis::rbf, Basis::chebyshev, Basis::fourier, Basis::rational}) {
    for (bool base : {false, true}) {
      SCOPED_TRACE(kanscan::to_string(b) + (base ? " with base" : ""));
      kanscan::ModelConfig c;
      c.type = kanscan::ModelType::kan;
      c.depth = 0;
      c.basis = b;
      c.base_branch = base ? kanscan::BaseBranch::silu : kanscan::BaseBranch::none;
      c.grid_lo = -2;
      c.grid_hi = 2;
      c.rational_groups = 2;
      c.cheby_squash = base ? kanscan::Squash::clamp : kanscan::Squash::tanh;
      auto m = kanscan::models::Model<double>::build(c, 5, 3);
      m->init(rng);
      for (Eigen::Index p = 0; p < m->params().size(); ++p) m->params()[p] += rng.uniform(-0.3, 0.3);
      kanscan::models::Mat<double> x(40, 5);
      for (Eigen::Index e = 0; e < x.size(); ++e) x.data()[e] = rng.uniform(-3, 3);
      const auto& y = m->forward(x, false, 1);
      const kanscan::LayerState l = m->export_layers()[0];
      const auto shape = a::kan_shape(l);
      EXPECT_EQ(shape.in, 5u);
      EXPECT_EQ(shape.out, 3u);
      EXPECT_EQ(shape.basis, b);
      const char* bias = b == Basis::fourier ? "bias" : b == Basis::rational ? "fc.bias" : (b == Basis::rbf && base) ? "base_linear.bias" : "";
      for (Eigen::Index r = 0; r < x.rows(); ++r)
        for (std::size_t j = 0; j < 3; ++j) {
          double sum = *bias ? l.tensors.at(bias).data[j] : 0.0;
          for (std::size_t i = 0; i < 5; ++i) sum += a::kan_edge(l, j, i, x(r, static_cast<Eigen::Index>(i)));
          EXPECT_NEAR(sum, y(r, static_cast<Eigen::Index>(j)), 1e-10 * (1 + std::abs(sum)));
        }
      const auto [lo, hi] = a::kan_active_range(l, 0);
      EXPECT_LT(lo, hi);
      if (b == Basis::rbf) {
        EXPECT_EQ(lo, -2.0);
      }
    }
  }
}

TEST(KanFunctions, LayerNormedRbfHasNoUnivariateEdges) {
  kanscan::ModelConfig c;
  c.type = kanscan::ModelType::kan;
  c.depth = 0;
  c.basis = kanscan::Basis::rbf;
  c.rbf_layernorm = true;
  auto m = kanscan::models::Model<double>::build(c, 4, 1);
  kanscan::Rng rng(1);
  m->init(rng);
  const kanscan::LayerState l = m->export_layers()[0];
  EXPECT_THROW(a::kan_shape(l), kanscan::InputError);
  EXPECT_THROW(a::kan_edge(l, 0, 0, 0.5), kanscan::InputError);
}
