#pragma once
// Entry points of models/ for the rest of kanscan: train one trial, apply a saved model.
#include <atomic>

#include "types/dataset.hpp"
#include "types/model_state.hpp"
#include "types/trial.hpp"

namespace kanscan::models {

// Builds the model of cfg, trains it on data.train with early stopping on data.val, evaluates
// on data.test. Never throws for numerical trouble: divergence gives ok = false and a reason.
// If *cancel becomes true, returns promptly with cancelled = true.
// The outcome depends only on cfg (including seed) and data, not on cfg.threads.
TrialOutcome run_trial(const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel = nullptr);

// Applies a saved model to raw (unstandardised) features [N, F]. Returns [N, 1] signal
// probabilities (binary), [N, C] class probabilities, or [N, T] targets in physical units:
// the units of test_predictions. Throws InputError if F does not match the model.
RowMatrixXf predict(const ModelState& model, const RowMatrixXf& features, int threads);

}  // namespace kanscan::models
