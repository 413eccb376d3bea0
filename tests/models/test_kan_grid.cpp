// Grid update from data and grid extension keep the layer's function (up to the refit error).
#include <gtest/gtest.h>

#include <cmath>

#include "framework/rng.hpp"
#include "models/kan_layer.hpp"
#include "models/model.hpp"
#include "models/parameter_count.hpp"
#include "models/trial_runner.hpp"
#include "tests/models/synthetic.hpp"

using namespace kanscan;
using namespace kanscan::models;
using MatD = Mat<double>;

namespace {

struct Bound {
  Vec<double> p, g;
};

void randomize(KanLayer<double>& layer, Bound& b, Rng& rng) {
  b.p.resize(static_cast<Eigen::Index>(layer.n_params()));
  b.g.resize(b.p.size());
  layer.bind(b.p.data(), b.g.data());
  layer.init(rng);
  // Spline coefficients of order one, so that the spline part carries real structure.
  for (Eigen::Index i = static_cast<Eigen::Index>(layer.c_offset()); i < b.p.size(); ++i) b.p[i] = rng.uniform(-1, 1);
}

double rms(const MatD& a) { return std::sqrt(a.squaredNorm() / static_cast<double>(a.size())); }

}  // namespace

TEST(KanGrid, UpdateFromDataPreservesTheFunction) {
  Rng rng(1);
  for (int k : {1, 3}) {
    KanLayer<double> layer(3, 2, SplineKnots<double>::uniform(3, 5, k, -1.0, 1.0));
    Bound b;
    randomize(layer, b, rng);
    MatD x(2000, 3);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = std::clamp(0.5 * rng.normal(), -0.99, 0.99);
    MatD before, after;
    layer.forward(x, before, false, 1, nullptr);
    const Vec<double> s_before = b.p.segment(static_cast<Eigen::Index>(layer.s_offset()), 6);
    const double refit = layer.update_grid(x, 0.02);
    layer.forward(x, after, false, 1, nullptr);
    const double diff = rms(after - before);
    // The output change is the sum over inputs of the per-input refit residuals.
    EXPECT_LE(diff, std::sqrt(3.0) * refit + 1e-12) << "k=" << k;
    // Piecewise-linear splines (k = 1) are refitted less accurately on moved knots.
    EXPECT_LT(diff, (k == 1 ? 0.15 : 0.05) * rms(before)) << "k=" << k;
    // The scaler is kept (efficient-kan's bug would fold it into C a second time).
    EXPECT_EQ(s_before, b.p.segment(static_cast<Eigen::Index>(layer.s_offset()), 6));
    // The new knots follow the data: inner knots lie inside the sample range.
    const double* t = layer.knots().knots(0);
    EXPECT_GE(t[k], x.col(0).minCoeff() - 0.02);
    EXPECT_LE(t[k + 5], x.col(0).maxCoeff() + 0.02);
  }
}

TEST(KanGrid, UpdateWithSameDataTwiceIsStable) {
  Rng rng(2);
  KanLayer<double> layer(2, 2, SplineKnots<double>::uniform(2, 6, 3, -1.0, 1.0));
  Bound b;
  randomize(layer, b, rng);
  MatD x(500, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform(-0.8, 0.8);
  layer.update_grid(x, 0.02);
  MatD y1, y2;
  layer.forward(x, y1, false, 1, nullptr);
  // Second update on the same data: the knots are the same, the refit is exact.
  const double refit = layer.update_grid(x, 0.02);
  layer.forward(x, y2, false, 1, nullptr);
  EXPECT_LT(refit, 1e-9);
  EXPECT_LT((y1 - y2).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(KanGrid, ExtensionReproducesTheCoarseSpline) {
  Rng rng(3);
  for (int k : {1, 2, 3}) {
    KanLayer<double> layer(2, 3, SplineKnots<double>::uniform(2, 5, k, -1.0, 1.0));
    Bound b;
    randomize(layer, b, rng);
    MatD x(400, 2);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform(-1.0, 0.999);
    MatD y0;
    layer.forward(x, y0, false, 1, nullptr);
    for (int g2 : {10, 20, 7}) {
      auto fine = Model<double>::from_layers({layer.extended_state(g2)});
      const MatD y1 = fine->forward(x, false, 1);
      const double err = (y1 - y0).cwiseAbs().maxCoeff();
      if (g2 % 5 == 0) EXPECT_LT(err, 1e-9) << "nested knots must reproduce exactly, k=" << k << " G'=" << g2;
      else EXPECT_LT(rms(y1 - y0), (k == 1 ? 0.15 : 0.05) * rms(y0)) << "k=" << k << " G'=" << g2;
      EXPECT_EQ(fine->n_params(), static_cast<std::size_t>(2 * 3 * (g2 + k + 2)));
    }
  }
}

TEST(KanGrid, TrialWithGridUpdatesAndExtension) {
  const DataSplit data = test::split(test::make_classification(2000, 3, 9), Task::classification);
  TrialConfig c;
  c.model.type = ModelType::kan;
  c.model.depth = 1;
  c.model.width = 3;
  c.model.grid_size = 3;
  c.model.grid_update_every = 2;
  c.model.grid_extend_to = 6;
  c.model.grid_extend_epoch = 3;
  c.model.optimizer.lr = 1e-2;
  c.train.epochs = 5;
  c.train.batch_size = 200;
  c.train.patience = 0;
  const TrialOutcome o = run_trial(c, data);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.n_params, count_parameters(c.model, 3, 1));
  EXPECT_EQ(o.model.layers[0].grid_size, 6);
  EXPECT_GT(o.metrics.at("test_auc"), 0.8);
  // Extension configured after the last epoch: still performed, so the count holds.
  c.model.grid_extend_epoch = 50;
  const TrialOutcome o2 = run_trial(c, data);
  ASSERT_TRUE(o2.ok) << o2.error;
  EXPECT_EQ(o2.n_params, count_parameters(c.model, 3, 1));
}
