#pragma once
// A deterministic stand-in for models::run_trial used to test scheduling, the journal and the
// results store: every output (metrics, history, ROC, predictions, model weights) is a pure
// function of the trial config (through its id) and the data, so runs on any number of ranks
// must give bitwise identical results. It sleeps to emulate training, honours cancel, and can
// fail on purpose: width 7 diverges (ok = false), width 13 throws.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "types/dataset.hpp"
#include "framework/rng.hpp"
#include "types/trial.hpp"

namespace kanscan::test {

// A small classification dataset (4 features), identical for the same seed.
inline DataSplit synthetic_data(const DataConfig& cfg, Task task) {
  DataSplit s;
  s.task = task;
  Rng rng(cfg.seed);
  auto fill = [&](Dataset& d, int n, std::int64_t offset) {
    d.features.resize(n, 4);
    for (int i = 0; i < n; ++i) {
      for (int f = 0; f < 4; ++f) d.features(i, f) = static_cast<float>(rng.normal());
      d.index.push_back(offset + i);
      if (task == Task::classification) d.labels.push_back(static_cast<std::int32_t>(rng.below(2)));
    }
    if (task == Task::regression) {
      d.targets.resize(n, 2);
      for (int i = 0; i < n; ++i)
        for (int t = 0; t < 2; ++t) d.targets(i, t) = static_cast<float>(rng.normal());
      d.target_names = {"px", "py"};
    } else {
      d.n_classes = 2;
    }
    d.feature_names = {"a", "b", "c", "d"};
  };
  fill(s.train, 60, 0);
  fill(s.val, 20, 60);
  fill(s.test, 20, 80);
  return s;
}

// Appends the trial id to $KANSCAN_TEST_RUN_LOG (one O_APPEND write: atomic across processes).
inline void log_run(const std::string& id) {
  const char* path = std::getenv("KANSCAN_TEST_RUN_LOG");
  if (!path || !*path) return;
  const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return;
  const std::string line = id + "\n";
  [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

inline TrialOutcome synthetic_trial(const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel,
                                    int sleep_ms) {
  log_run(cfg.trial_id);
  const std::uint64_t key = std::stoull(cfg.trial_id, nullptr, 16);
  Rng rng(key);
  // Uneven costs: deeper and wider trials "train" longer.
  const int ms = sleep_ms * (1 + cfg.model.depth) * (cfg.model.width > 8 ? 2 : 1);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  TrialOutcome o;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel && cancel->load()) {
      o.cancelled = true;
      o.error = "cancelled";
      return o;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (cfg.model.width == 13 && cfg.model.depth > 0) throw std::runtime_error("synthetic failure: width 13 throws");
  o.epochs_run = std::min(cfg.train.epochs, 4);
  for (int e = 0; e < o.epochs_run; ++e) {
    o.history.epoch.push_back(e + 1);
    o.history.train_loss.push_back(1.0 / (e + 1) + 0.01 * rng.uniform());
    o.history.val_loss.push_back(1.1 / (e + 1) + 0.01 * rng.uniform());
    o.history.val_metric.push_back(0.5 + 0.1 * e * rng.uniform());
  }
  o.history.val_metric_name = "val_auc";
  if (cfg.model.width == 7 && cfg.model.depth > 0) {
    o.ok = false;
    o.error = "loss became NaN at epoch 2 (diverged)";
    return o;
  }
  o.ok = true;
  o.train_seconds = ms / 1000.0;
  o.n_params = 0;  // filled by the driver from the architecture
  const auto n = static_cast<Eigen::Index>(data.test.size());
  const int cols = data.task == Task::regression ? static_cast<int>(data.test.n_targets()) : 1;
  o.test_predictions.resize(n, cols);
  for (Eigen::Index i = 0; i < n; ++i)
    for (int c = 0; c < cols; ++c) o.test_predictions(i, c) = static_cast<float>(rng.uniform());
  o.test_index = data.test.index;
  if (data.task == Task::classification) {
    o.metrics["test_auc"] = 0.5 + 0.5 * rng.uniform();
    o.metrics["test_accuracy"] = 0.5 + 0.4 * rng.uniform();
    o.metrics["test_loss"] = rng.uniform();
    o.roc_fpr = {0.0, 0.3, 1.0};
    o.roc_tpr = {0.0, 0.3 + 0.6 * rng.uniform(), 1.0};
  } else {
    o.metrics["test_loss"] = rng.uniform();
    o.metrics["test_mae"] = rng.uniform();
    o.metrics["test_rmse"] = rng.uniform();
    for (const auto& t : data.test.target_names) o.metrics["test_mae_" + t] = rng.uniform();
  }
  o.model.task = data.task;
  o.model.output = data.task == Task::regression ? OutputKind::identity : OutputKind::sigmoid;
  o.model.input_mean.assign(data.train.n_features(), 0.0);
  o.model.input_std.assign(data.train.n_features(), 1.0);
  LayerState l;
  l.kind = LayerKind::linear;
  Tensor w;
  w.shape = {static_cast<std::size_t>(cols), data.train.n_features()};
  for (std::size_t i = 0; i < w.numel(); ++i) w.data.push_back(rng.normal());
  l.tensors["weight"] = w;
  l.tensors["bias"] = Tensor{{static_cast<std::size_t>(cols)}, std::vector<double>(static_cast<std::size_t>(cols), 0.0)};
  l.activation = Activation::identity;
  o.model.layers.push_back(l);
  return o;
}

}  // namespace kanscan::test
