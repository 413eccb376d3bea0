#pragma once
// Trainable-parameter counts, from the architecture alone (used by scans/ for the cost model
// and `kanscan validate`, and checked against the built models in tests).
#include <cstdint>
#include <vector>

#include "types/trial.hpp"

namespace kanscan::models {

// Layer widths [in, width x depth, out].
std::vector<int> layer_widths(const ModelConfig& cfg, int n_in, int n_out);
// Grid size of the trained model: grid_extend_to when a grid extension is configured (the
// trainer always performs it, at the end of training if it stopped earlier), else grid_size.
int final_grid_size(const ModelConfig& cfg);
// The settings of cfg's non-B-spline KAN layers (base_branch auto resolved to the reference's).
KanBasisState kan_basis_state(const ModelConfig& cfg);
// KAN layer [in, out]: in*out*(G+k+2)  (spline_weight G+k, base_weight 1, spline_scaler 1),
// G = final_grid_size(cfg); other bases: basis_layer_params (docs/models.md "Parameter counts").
// MLP dense layer: in*out + out.
std::int64_t count_parameters(const ModelConfig& cfg, int n_in, int n_out);

}  // namespace kanscan::models
