// Grid-refinement study (pykan's refine / KAN paper Fig. 2.3): a [2,5,1] KAN fitted to
// f(x,y) = exp(sin(pi x) + y^2) with LBFGS, the grid refined G = 3 -> 5 -> 10 -> 20 -> 50 by
// least squares (extend_grids) with training after each refinement. Test RMSE must fall with G;
// the fitted log-log slope is printed (docs/models.md quotes it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "framework/rng.hpp"
#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"

using namespace kanscan;
using namespace kanscan::models;
using MatD = Mat<double>;

namespace {

void make_data(int n, std::uint64_t seed, MatD& x, MatD& y) {
  Rng rng(seed);
  x.resize(n, 2);
  y.resize(n, 1);
  for (int i = 0; i < n; ++i) {
    x(i, 0) = rng.uniform(-1, 1);
    x(i, 1) = rng.uniform(-1, 1);
    y(i, 0) = std::exp(std::sin(M_PI * x(i, 0)) + x(i, 1) * x(i, 1));
  }
}

double rmse(Model<double>& m, const MatD& x, const MatD& y) {
  const MatD& z = m.forward(x, false, 2);
  return std::sqrt((z - y).squaredNorm() / static_cast<double>(y.size()));
}

}  // namespace

TEST(GridRefinement, TestRmseFallsWithGridSize) {
  MatD xtr, ytr, xte, yte;
  make_data(1000, 1, xtr, ytr);
  make_data(1000, 2, xte, yte);
  ModelConfig cfg;
  cfg.type = ModelType::kan;
  cfg.depth = 1;
  cfg.width = 5;
  cfg.grid_size = 3;
  cfg.spline_order = 3;
  auto model = Model<double>::build(cfg, 2, 1);
  Rng rng(0);
  model->init(rng);
  const LossSpec mse{Loss::mse, 1.0};
  OptimizerConfig oc;
  oc.name = OptimizerKind::lbfgs;
  oc.lr = 1.0;
  oc.max_iter = 20;
  oc.history = 10;
  std::vector<int> grids{3, 5, 10, 20, 50};
  std::vector<double> errs;
  for (int g : grids) {
    if (g != grids.front()) model->extend_grids(g);
    auto opt = make_optimizer<double>(oc, model->n_params());
    MatD dz;
    auto closure = [&] {
      const double l = loss_and_grad<double>(mse, model->forward(xtr, true, 2), ytr, nullptr, &dz);
      model->backward(dz, 2);
      return l;
    };
    // As pykan's fit: the grids follow the hidden activations during the first steps.
    for (int s = 0; s < 25; ++s) {
      if (s % 5 == 0 && s < 15) {
        model->update_grids(xtr, 0.02, 2);
        opt = make_optimizer<double>(oc, model->n_params());
      }
      opt->step(closure, model->params(), model->grads(), oc.lr);
    }
    errs.push_back(rmse(*model, xte, yte));
    std::printf("G=%3d params=%4zu train_rmse=%.3e test_rmse=%.3e\n", g, model->n_params(),
                rmse(*model, xtr, ytr), errs.back());
  }
  // Least-squares slope of log(test RMSE) against log(G) over the first `upto` grids.
  auto slope_upto = [&](std::size_t upto) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double n = static_cast<double>(upto);
    for (std::size_t i = 0; i < upto; ++i) {
      const double lx = std::log(grids[i]), ly = std::log(errs[i]);
      sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  };
  const double slope = slope_upto(4), slope_all = slope_upto(grids.size());
  std::printf("slope d log(test RMSE) / d log(G): %.2f for G = 3..20, %.2f for G = 3..50\n", slope, slope_all);
  RecordProperty("slope_3_20", std::to_string(slope));
  RecordProperty("slope_3_50", std::to_string(slope_all));
  EXPECT_LT(errs[3], 0.1 * errs[0]);
  EXPECT_LT(slope, -1.5);
  for (std::size_t i = 1; i + 1 < errs.size(); ++i) EXPECT_LT(errs[i], errs[i - 1]) << "G=" << grids[i];
}
