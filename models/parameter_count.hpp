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

// Floating-point operations of one event's forward pass, every elementary operation (add,
// multiply, divide, compare, exp) one FLOP (docs/analysis.md, "Cost axes"):
//   dense [in, out]: 2*in*out (multiply-adds) + out (bias) + out * activation (relu, leaky 1;
//                    silu, tanh, sigmoid 4; identity 0), hidden layers only;
//   KAN [in, out]:   per input, SiLU 4 + the k+1 non-zero B-splines by Cox-de Boor,
//                    7 FLOPs per node of its triangle (k(k+3)/2 nodes); per edge, 2*(k+1) for the
//                    spline's local sum and 2 for the SiLU term (local support: G does not enter).
// Training a pass over an event is counted as 3x the forward (backward ~ 2x forward).
std::int64_t count_forward_flops(const ModelConfig& cfg, int n_in, int n_out);

}  // namespace kanscan::models
