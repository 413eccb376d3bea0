#pragma once
// Trainable-parameter counts, from the architecture alone (used by scans/ for the cost model
// and `kanscan validate`, and checked against the built models in tests).
#include <cstdint>
#include <vector>

#include "framework/trial.hpp"

namespace kanscan::models {

// Layer widths [in, width x depth, out].
std::vector<int> layer_widths(const ModelConfig& cfg, int n_in, int n_out);
// KAN layer [in, out]: in*out*(G+k+2)  (spline_weight G+k, base_weight 1, spline_scaler 1).
// MLP dense layer: in*out + out.
std::int64_t count_parameters(const ModelConfig& cfg, int n_in, int n_out);

}  // namespace kanscan::models
