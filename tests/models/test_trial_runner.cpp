// run_trial / predict end to end on small synthetic data: both model types, all tasks,
// divergence and cancellation as outcomes, determinism across thread counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "framework/error.hpp"
#include "models/parameter_count.hpp"
#include "models/trial_runner.hpp"
#include "tests/models/synthetic.hpp"

using namespace kanscan;

namespace {

TrialConfig kan_config() {
  TrialConfig c;
  c.trial_id = "t";
  c.model.type = ModelType::kan;
  c.model.depth = 1;
  c.model.width = 4;
  c.model.grid_size = 5;
  c.model.optimizer.lr = 1e-2;
  c.train.epochs = 8;
  c.train.batch_size = 256;
  c.train.patience = 3;
  c.seed = 3;
  return c;
}

TrialConfig mlp_config() {
  TrialConfig c = kan_config();
  c.model.type = ModelType::mlp;
  c.model.width = 16;
  c.model.depth = 2;
  c.model.activation = Activation::leaky_relu;
  c.model.dropout = 0.1;
  c.model.weight_decay = 1e-4;
  return c;
}

}  // namespace

TEST(TrialRunner, ClassificationKanAndMlpLearn) {
  const DataSplit data = test::split(test::make_classification(4000, 4, 1), Task::classification);
  for (const TrialConfig& cfg : {kan_config(), mlp_config()}) {
    const TrialOutcome o = models::run_trial(cfg, data);
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.n_params, models::count_parameters(cfg.model, 4, 1));
    EXPECT_GT(o.metrics.at("test_auc"), 0.85);
    EXPECT_GT(o.metrics.at("test_accuracy"), 0.7);
    EXPECT_EQ(o.history.val_metric_name, "val_auc");
    EXPECT_EQ(static_cast<int>(o.history.epoch.size()), o.epochs_run);
    EXPECT_EQ(o.test_predictions.rows(), static_cast<Eigen::Index>(data.test.size()));
    EXPECT_EQ(o.test_index, data.test.index);
    EXPECT_GE(o.test_predictions.minCoeff(), 0.0f);
    EXPECT_LE(o.test_predictions.maxCoeff(), 1.0f);
    EXPECT_FALSE(o.roc_fpr.empty());
    // The exported model reproduces the test predictions.
    const RowMatrixXf p = models::predict(o.model, data.test.features, 2);
    EXPECT_LT((p - o.test_predictions).cwiseAbs().maxCoeff(), 1e-6f);
  }
}

TEST(TrialRunner, MulticlassAndMseClassifier) {
  const DataSplit data3 = test::split(test::make_classification(3000, 3, 2, 3), Task::classification);
  TrialConfig c = mlp_config();
  c.train.loss = Loss::cross_entropy;
  c.train.monitor = Monitor::val_accuracy;
  TrialOutcome o = models::run_trial(c, data3);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.test_predictions.cols(), 3);
  EXPECT_EQ(o.history.val_metric_name, "val_accuracy");
  EXPECT_NEAR(o.test_predictions.row(0).sum(), 1.0f, 1e-5f);
  EXPECT_GT(o.metrics.at("test_accuracy"), 0.6);

  // pyKAN-style MSE on a binary classifier: outputs clipped to [0, 1].
  const DataSplit data = test::split(test::make_classification(3000, 3, 4), Task::classification);
  c = kan_config();
  c.train.loss = Loss::mse;
  o = models::run_trial(c, data);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.model.output, OutputKind::clip);
  EXPECT_GE(o.test_predictions.minCoeff(), 0.0f);
  EXPECT_LE(o.test_predictions.maxCoeff(), 1.0f);
  EXPECT_GT(o.metrics.at("test_auc"), 0.8);
}

TEST(TrialRunner, RegressionReportsPhysicalUnits) {
  const DataSplit data = test::split(test::make_regression(3000, 3, 5), Task::regression);
  for (TrialConfig c : {kan_config(), mlp_config()}) {
    c.task = Task::regression;
    c.train.loss = Loss::mae;
    c.train.monitor = Monitor::val_mae;
    const TrialOutcome o = models::run_trial(c, data);
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.history.val_metric_name, "val_mae");
    EXPECT_LT(o.metrics.at("test_mae"), 0.5);
    ASSERT_TRUE(o.metrics.count("test_mae_gev_pt"));
    // Physical MAE from the predictions equals the reported one.
    double mae = 0;
    for (Eigen::Index i = 0; i < o.test_predictions.rows(); ++i)
      mae += std::abs(o.test_predictions(i, 0) - data.test.targets(i, 0));
    mae /= static_cast<double>(o.test_predictions.rows());
    EXPECT_NEAR(mae, o.metrics.at("test_mae_gev_pt"), 1e-3 * mae);
    EXPECT_EQ(o.model.target_mean.size(), 2u);
  }
}

TEST(TrialRunner, DivergenceIsAFailedOutcome) {
  const DataSplit data = test::split(test::make_regression(600, 3, 6), Task::regression);
  TrialConfig c = mlp_config();
  c.task = Task::regression;
  c.train.loss = Loss::mse;
  c.model.optimizer.name = OptimizerKind::sgd;
  c.model.optimizer.lr = 1e6;
  const TrialOutcome o = models::run_trial(c, data);
  EXPECT_FALSE(o.ok);
  EXPECT_FALSE(o.cancelled);
  EXPECT_NE(o.error.find("diverged"), std::string::npos) << o.error;
}

TEST(TrialRunner, BadConfigIsAFailedOutcomeNotAnException) {
  const DataSplit data = test::split(test::make_classification(500, 3, 6), Task::classification);
  TrialConfig c = kan_config();
  c.model.optimizer.lr = -1.0;
  TrialOutcome o;
  EXPECT_NO_THROW(o = models::run_trial(c, data));
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("optimizer.lr"), std::string::npos) << o.error;
}

TEST(TrialRunner, CancelFlagStopsTheTrial) {
  const DataSplit data = test::split(test::make_classification(500, 3, 7), Task::classification);
  std::atomic<bool> cancel{true};
  const TrialOutcome o = models::run_trial(kan_config(), data, &cancel);
  EXPECT_FALSE(o.ok);
  EXPECT_TRUE(o.cancelled);
}

TEST(TrialRunner, PredictRejectsWrongFeatureCount) {
  const DataSplit data = test::split(test::make_classification(500, 3, 8), Task::classification);
  TrialConfig c = kan_config();
  c.train.epochs = 1;
  const TrialOutcome o = models::run_trial(c, data);
  ASSERT_TRUE(o.ok) << o.error;
  RowMatrixXf bad(3, 5);
  EXPECT_THROW(models::predict(o.model, bad, 1), InputError);
}

TEST(TrialRunner, EarlyStoppingRestoresTheBestWeights) {
  const DataSplit data = test::split(test::make_classification(2000, 4, 10), Task::classification);
  TrialConfig c = mlp_config();
  c.model.dropout = 0.0;
  c.model.weight_decay = 0.0;
  c.model.optimizer.lr = 0.05;  // noisy enough that the last epoch is rarely the best
  c.train.epochs = 12;
  c.train.patience = 3;
  const TrialOutcome o = models::run_trial(c, data);
  ASSERT_TRUE(o.ok) << o.error;
  // The returned model's validation loss is the best one in the history.
  const RowMatrixXf p = models::predict(o.model, data.val.features, 1);
  double loss = 0;
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const double q = std::clamp(static_cast<double>(p(i, 0)), 1e-12, 1 - 1e-12);
    loss -= data.val.labels[i] ? std::log(q) : std::log(1 - q);
  }
  loss /= static_cast<double>(p.rows());
  const double best = *std::min_element(o.history.val_loss.begin(), o.history.val_loss.end());
  EXPECT_NEAR(loss, best, 1e-4 * (1 + best));
  EXPECT_LE(o.epochs_run, c.train.epochs);
}

TEST(TrialRunner, EventWeightsEnterTheLoss) {
  Dataset d = test::make_classification(2000, 3, 11);
  d.weights.assign(d.size(), 2.0f);
  const DataSplit constant = test::split(d, Task::classification);
  const DataSplit plain = test::split(test::make_classification(2000, 3, 11), Task::classification);
  TrialConfig c = kan_config();
  c.train.epochs = 3;
  const TrialOutcome a = models::run_trial(c, plain), b = models::run_trial(c, constant);
  ASSERT_TRUE(a.ok && b.ok);
  // Weights are normalised by their training mean: constant weights change nothing.
  EXPECT_EQ(a.model.layers[0].tensors.at("spline_weight").data, b.model.layers[0].tensors.at("spline_weight").data);
  // Weights that switch off half the events do.
  for (std::size_t i = 0; i < d.size(); i += 2) d.weights[i] = 0.0f;
  const TrialOutcome w = models::run_trial(c, test::split(d, Task::classification));
  ASSERT_TRUE(w.ok) << w.error;
  EXPECT_NE(a.model.layers[0].tensors.at("spline_weight").data, w.model.layers[0].tensors.at("spline_weight").data);
  c.train.use_weights = false;
  const TrialOutcome off = models::run_trial(c, test::split(d, Task::classification));
  EXPECT_EQ(a.model.layers[0].tensors.at("spline_weight").data, off.model.layers[0].tensors.at("spline_weight").data);
}

TEST(TrialRunner, EdgeCasesDoNotCrash) {
  const Dataset d = test::make_classification(300, 3, 12);
  DataSplit s = test::split(d, Task::classification);
  // Single KAN layer [3, 1], high order, fine grid, one huge batch, no validation/test rows.
  TrialConfig c = kan_config();
  c.model.depth = 0;
  c.model.grid_size = 40;
  c.model.spline_order = 5;
  c.train.batch_size = 100000;
  DataSplit empty = s;
  empty.val = Dataset{};
  empty.val.features.resize(0, 3);
  empty.test = Dataset{};
  empty.test.features.resize(0, 3);
  TrialOutcome o = models::run_trial(c, empty);
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.epochs_run, c.train.epochs);  // no validation data: no early stopping
  EXPECT_EQ(o.test_predictions.rows(), 0);
  EXPECT_EQ(o.n_params, models::count_parameters(c.model, 3, 1));
  // Zero epochs: the initial model is evaluated.
  c.train.epochs = 0;
  o = models::run_trial(c, s);
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.epochs_run, 0);
  // Bad values become failed outcomes.
  for (auto bad : {0, -1}) {
    TrialConfig b = kan_config();
    b.model.grid_size = bad;
    o = models::run_trial(b, s);
    EXPECT_FALSE(o.ok);
    EXPECT_FALSE(o.error.empty());
  }
  TrialConfig b = kan_config();
  b.train.loss = Loss::cross_entropy;
  b.task = Task::regression;
  o = models::run_trial(b, test::split(test::make_regression(200, 2, 1), Task::regression));
  EXPECT_FALSE(o.ok);
  // Labels outside the class range.
  DataSplit badlab = s;
  badlab.train.labels[0] = 7;
  badlab.train.n_classes = 2;
  o = models::run_trial(kan_config(), badlab);
  EXPECT_FALSE(o.ok);
}

// FLOPs per event by the convention of docs/analysis.md ("Cost axes"), counted by hand.
TEST(TrialRunner, FlopCountsFollowTheDocumentedConvention) {
  ModelConfig kan;
  kan.type = ModelType::kan;
  kan.depth = 1;
  kan.width = 3;
  kan.spline_order = 3;
  // per input SiLU 4 + Cox-de Boor 7 * 3*6/2 = 63; per edge 2*(3+1) + 2 = 10
  EXPECT_EQ(models::count_forward_flops(kan, 22, 1), 22 * 67 + 22 * 3 * 10 + 3 * 67 + 3 * 1 * 10);
  kan.grid_size = 50;  // local support: the grid size does not enter
  EXPECT_EQ(models::count_forward_flops(kan, 22, 1), 2365);
  ModelConfig mlp;
  mlp.type = ModelType::mlp;
  mlp.depth = 1;
  mlp.width = 16;
  mlp.activation = Activation::relu;
  EXPECT_EQ(models::count_forward_flops(mlp, 22, 1), (2 * 22 * 16 + 16 + 16) + (2 * 16 + 1));
  mlp.activation = Activation::silu;
  EXPECT_EQ(models::count_forward_flops(mlp, 22, 1), (2 * 22 * 16 + 16 + 4 * 16) + (2 * 16 + 1));
  // A trial records them; Adam evaluates each training row once per epoch.
  const DataSplit data = test::split(test::make_classification(1000, 4, 1), Task::classification);
  TrialConfig c = mlp_config();
  c.train.patience = 0;
  c.train.epochs = 3;
  const TrialOutcome o = models::run_trial(c, data);
  ASSERT_TRUE(o.ok) << o.error;
  const double fwd = double(models::count_forward_flops(c.model, 4, 1));
  EXPECT_EQ(o.metrics.at("infer_flops"), fwd);
  EXPECT_DOUBLE_EQ(o.metrics.at("train_flops"), 3.0 * fwd * 3);
  EXPECT_EQ(o.metrics.at("best_epoch") >= 1 && o.metrics.at("best_epoch") <= 3, true);
}
