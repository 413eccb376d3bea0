// A trial's final weights and predictions are bitwise identical with 1 and 2 OpenMP threads,
// and identical when repeated; kernels agree with a single-block serial evaluation.
#include <gtest/gtest.h>

#include <cstring>

#include "models/model.hpp"
#include "models/trial_runner.hpp"
#include "tests/models/synthetic.hpp"

using namespace kanscan;

namespace {

void expect_bitwise_equal(const TrialOutcome& a, const TrialOutcome& b) {
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(a.model.layers.size(), b.model.layers.size());
  for (std::size_t l = 0; l < a.model.layers.size(); ++l)
    for (const auto& [name, t] : a.model.layers[l].tensors) {
      const auto& u = b.model.layers[l].tensors.at(name);
      ASSERT_EQ(t.data.size(), u.data.size());
      for (std::size_t i = 0; i < t.data.size(); ++i)
        ASSERT_EQ(t.data[i], u.data[i]) << "layer " << l << " " << name << "[" << i << "]";
    }
  ASSERT_EQ(a.test_predictions.size(), b.test_predictions.size());
  for (Eigen::Index i = 0; i < a.test_predictions.size(); ++i)
    ASSERT_EQ(a.test_predictions.data()[i], b.test_predictions.data()[i]);
  EXPECT_EQ(a.history.train_loss, b.history.train_loss);
  EXPECT_EQ(a.history.val_loss, b.history.val_loss);
  EXPECT_EQ(a.epochs_run, b.epochs_run);
  // Every metric bit for bit: test and validation metrics, their standard errors, FLOPs.
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (const auto& [name, v] : a.metrics) {
    const double w = b.metrics.at(name);
    EXPECT_TRUE(std::memcmp(&v, &w, sizeof v) == 0) << name << ": " << v << " vs " << w;
  }
  EXPECT_TRUE(a.metrics.count("test_auc_err") && a.metrics.count("val_auc") && a.metrics.count("train_flops"));
}

TrialConfig base(ModelType type, OptimizerKind opt) {
  TrialConfig c;
  c.model.type = type;
  c.model.depth = 1;
  c.model.width = 24;
  c.model.grid_size = 5;
  c.model.dropout = type == ModelType::mlp ? 0.2 : 0.0;
  c.model.grid_update_every = type == ModelType::kan ? 2 : 0;
  c.model.optimizer.name = opt;
  c.model.optimizer.lr = opt == OptimizerKind::lbfgs ? 1.0 : 5e-3;
  c.model.optimizer.max_iter = 3;
  c.train.epochs = 2;
  c.train.batch_size = 700;  // several sample blocks per batch, and a ragged last batch
  c.train.patience = 2;
  c.seed = 17;
  return c;
}

}  // namespace

TEST(Determinism, OneAndTwoThreadsGiveBitwiseIdenticalTrials) {
  const DataSplit data = test::split(test::make_classification(1800, 6, 2), Task::classification);
  for (auto type : {ModelType::kan, ModelType::mlp}) {
    for (const OptimizerKind opt : {OptimizerKind::adam, OptimizerKind::lbfgs}) {
      SCOPED_TRACE(to_string(type) + " " + to_string(opt));
      TrialConfig c1 = base(type, opt), c2 = base(type, opt);
      c1.threads = 1;
      c2.threads = 2;
      const TrialOutcome a = models::run_trial(c1, data);
      const TrialOutcome b = models::run_trial(c2, data);
      expect_bitwise_equal(a, b);
      expect_bitwise_equal(a, models::run_trial(c1, data));
    }
  }
}

TEST(Determinism, DifferentSeedsGiveDifferentModels) {
  const DataSplit data = test::split(test::make_classification(1000, 3, 2), Task::classification);
  TrialConfig c1 = base(ModelType::kan, OptimizerKind::adam), c2 = c1;
  c2.seed = 18;
  const auto a = models::run_trial(c1, data), b = models::run_trial(c2, data);
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_NE(a.model.layers[0].tensors.at("base_weight").data, b.model.layers[0].tensors.at("base_weight").data);
}

TEST(Determinism, BlockedKernelsMatchPerSampleEvaluation) {
  // Forward over a 1000-row batch (8 blocks, 2 threads) equals evaluating each row alone.
  Rng rng(4);
  for (auto type : {ModelType::kan, ModelType::mlp}) {
    ModelConfig cfg;
    cfg.type = type;
    cfg.depth = 1;
    cfg.width = 9;
    auto m = models::Model<double>::build(cfg, 5, 2);
    m->init(rng);
    models::Mat<double> x(1000, 5);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal();
    const models::Mat<double> y = m->forward(x, false, 2);
    for (Eigen::Index r = 0; r < x.rows(); r += 97) {
      const models::Mat<double> xr = x.row(r);
      const models::Mat<double> yr = m->forward(xr, false, 1);
      for (int j = 0; j < 2; ++j) EXPECT_NEAR(yr(0, j), y(r, j), 1e-12);
    }
  }
}

// Every KAN basis: a whole trial (Adam and L-BFGS, several blocks per batch) is bitwise the same
// with 1 and 2 threads and when repeated.
TEST(Determinism, EveryBasisOneAndTwoThreadsBitwise) {
  const DataSplit data = test::split(test::make_classification(1800, 6, 2), Task::classification);
  for (Basis b : {Basis::rbf, Basis::chebyshev, Basis::fourier, Basis::rational}) {
    for (const OptimizerKind opt : {OptimizerKind::adam, OptimizerKind::lbfgs}) {
      SCOPED_TRACE(to_string(b) + " " + to_string(opt));
      TrialConfig c1 = base(ModelType::kan, opt);
      c1.model.basis = b;
      c1.model.grid_update_every = 0;  // only B-splines have a grid to update
      c1.model.rbf_layernorm = true;
      c1.model.base_branch = b == Basis::rbf ? BaseBranch::auto_ : BaseBranch::silu;
      TrialConfig c2 = c1;
      c1.threads = 1;
      c2.threads = 2;
      const TrialOutcome a = models::run_trial(c1, data);
      expect_bitwise_equal(a, models::run_trial(c2, data));
      expect_bitwise_equal(a, models::run_trial(c1, data));
    }
  }
}
