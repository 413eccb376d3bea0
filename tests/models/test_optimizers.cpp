// Optimisers converge on a quadratic, the Rosenbrock function and a logistic regression;
// learning-rate schedules.
#include <gtest/gtest.h>

#include <cmath>

#include "framework/rng.hpp"
#include "models/activation.hpp"
#include "models/optimizer.hpp"

using namespace kanscan;
using namespace kanscan::models;
using V = Vec<double>;

namespace {

using Objective = std::function<double(const V&, V&)>;

// Runs `steps` optimiser steps from x0 and returns the final point.
V minimize(const std::string& name, double lr, int steps, const Objective& f, V x, double momentum = 0.9) {
  OptimizerConfig c;
  c.name = *parse_name<OptimizerKind>(name);
  c.lr = lr;
  c.momentum = momentum;
  c.max_iter = 20;
  c.history = 10;
  auto opt = make_optimizer<double>(c, static_cast<std::size_t>(x.size()));
  V g(x.size());
  auto closure = [&] { return f(x, g); };
  for (int s = 0; s < steps; ++s) opt->step(closure, x, g, lr);
  return x;
}

double quadratic(const V& x, V& g) {
  // 0.5 x^T A x - b^T x with A = diag(1..n), b = 1: minimum at x_i = 1/i.
  double f = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double a = static_cast<double>(i + 1);
    f += 0.5 * a * x[i] * x[i] - x[i];
    g[i] = a * x[i] - 1.0;
  }
  return f;
}

double rosenbrock(const V& x, V& g) {
  const double a = 1 - x[0], b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  return a * a + 100 * b * b;
}

}  // namespace

TEST(Optimizers, QuadraticAllConverge) {
  const V x0 = V::Constant(8, 3.0);
  struct Case {
    std::string name;
    double lr;
    int steps;
  };
  for (const Case& c : {Case{"sgd", 0.02, 2000}, Case{"adam", 0.05, 3000}, Case{"adamw", 0.05, 3000},
                        Case{"lbfgs", 1.0, 5}}) {
    const V x = minimize(c.name, c.lr, c.steps, quadratic, x0);
    for (Eigen::Index i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], 1.0 / (i + 1), 2e-3) << c.name << " i=" << i;
  }
}

TEST(Optimizers, RosenbrockConverges) {
  V x0(2);
  x0 << -1.2, 1.0;
  const V lb = minimize("lbfgs", 1.0, 10, rosenbrock, x0);
  EXPECT_NEAR(lb[0], 1.0, 1e-5);
  EXPECT_NEAR(lb[1], 1.0, 1e-5);
  const V ad = minimize("adam", 2e-2, 20000, rosenbrock, x0);
  EXPECT_NEAR(ad[0], 1.0, 1e-2);
  EXPECT_NEAR(ad[1], 1.0, 2e-2);
  const V sg = minimize("sgd", 1e-3, 40000, rosenbrock, x0);
  EXPECT_NEAR(sg[0], 1.0, 1e-2);
  EXPECT_NEAR(sg[1], 1.0, 2e-2);
}

TEST(Optimizers, LogisticRegressionReachesTheOptimum) {
  Rng rng(5);
  const int n = 400, d = 3;
  Mat<double> x(n, d);
  std::vector<double> y(n);
  for (int i = 0; i < n; ++i) {
    double s = 0.5;
    for (int j = 0; j < d; ++j) {
      x(i, j) = rng.normal();
      s += (j + 1) * 0.7 * x(i, j);
    }
    y[i] = rng.uniform() < sigmoid(s) ? 1.0 : 0.0;
  }
  // Mean log-loss with a small L2 term so the optimum is unique; parameters (w, b).
  auto f = [&](const V& p, V& g) {
    g.setZero();
    double l = 0;
    for (int i = 0; i < n; ++i) {
      double z = p[d];
      for (int j = 0; j < d; ++j) z += p[j] * x(i, j);
      l += std::max(z, 0.0) - y[i] * z + std::log1p(std::exp(-std::abs(z)));
      const double r = sigmoid(z) - y[i];
      for (int j = 0; j < d; ++j) g[j] += r * x(i, j) / n;
      g[d] += r / n;
    }
    l /= n;
    for (int j = 0; j <= d; ++j) {
      l += 0.5e-3 * p[j] * p[j];
      g[j] += 1e-3 * p[j];
    }
    return l;
  };
  const V x0 = V::Zero(d + 1);
  const V best = minimize("lbfgs", 1.0, 20, f, x0);
  V g(d + 1);
  f(best, g);
  EXPECT_LT(g.cwiseAbs().maxCoeff(), 1e-6);
  const double fbest = f(best, g);
  for (const std::string name : {"sgd", "adam", "adamw"}) {
    const V p = minimize(name, name == "sgd" ? 0.2 : 0.02, 3000, f, x0);
    EXPECT_LT(f(p, g) - fbest, 1e-5) << name;
    EXPECT_LT((p - best).cwiseAbs().maxCoeff(), 2e-2) << name;
  }
}

TEST(Optimizers, AdamWDecaysDecoupled) {
  // Zero gradient: AdamW shrinks parameters by (1 - lr*wd) per step, Adam leaves them.
  OptimizerConfig c;
  c.name = OptimizerKind::adamw;
  c.lr = 0.1;
  c.weight_decay = 0.5;
  auto opt = make_optimizer<double>(c, 1);
  V x = V::Constant(1, 2.0), g = V::Zero(1);
  auto zero = [&] {
    g.setZero();
    return 0.0;
  };
  opt->step(zero, x, g, c.lr);
  EXPECT_NEAR(x[0], 2.0 * (1 - 0.05), 1e-12);
  c.name = OptimizerKind::adam;
  c.weight_decay = 0.0;
  auto adam = make_optimizer<double>(c, 1);
  x[0] = 2.0;
  adam->step(zero, x, g, c.lr);
  EXPECT_EQ(x[0], 2.0);
}

TEST(Optimizers, SchedulesAndBadNames) {
  OptimizerConfig c;
  c.lr = 1.0;
  EXPECT_EQ(scheduled_lr(c, 7, 10), 1.0);
  c.schedule = Schedule::cosine;
  c.min_lr = 0.1;
  EXPECT_NEAR(scheduled_lr(c, 0, 10), 1.0, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 5, 10), 0.55, 1e-12);
  EXPECT_GT(scheduled_lr(c, 9, 10), 0.1);
  c.schedule = Schedule::step;
  c.step_size = 3;
  c.gamma = 0.5;
  EXPECT_NEAR(scheduled_lr(c, 2, 10), 1.0, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 3, 10), 0.5, 1e-12);
  EXPECT_NEAR(scheduled_lr(c, 7, 10), 0.25, 1e-12);
  c.lr = 0.0;
  EXPECT_ANY_THROW(make_optimizer<double>(c, 3));
}
