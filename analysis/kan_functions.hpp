#pragma once
// Reading a trained KAN: the learned univariate functions of a layer, their L1 norms
// (feature importance, Liu et al. arXiv:2404.19756; Erdmann et al. arXiv:2408.02743) and the
// empirical log-likelihood ratio each single-layer spline is compared with.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "types/model_state.hpp"

namespace kanscan::analysis {

// The n_knots - 1 - order B-spline basis functions of the given order at x (Cox-de Boor, with
// half-open knot intervals as in efficient-kan: every basis is 0 outside [knots.front(),
// knots.back()) ).
std::vector<double> bspline_basis(std::span<const double> knots, int order, double x);

// phi_{out,in}(x) = base_weight[out,in] SiLU(x) + spline_scaler[out,in] sum_m
// spline_weight[out,in,m] B_m(x), x in the layer's own (standardised) input units.
// Throws InputError when the layer is not a well-formed kind = kan layer.
double kan_edge(const LayerState& layer, std::size_t out, std::size_t in, double x);

struct KanShape {
  std::size_t in = 0, out = 0;
  int grid_size = 0, spline_order = 0;
};
KanShape kan_shape(const LayerState& layer);  // validates the tensors' shapes

// True for a model whose first layer is a KAN layer.
bool is_kan(const ModelState& m);

// Feature importance of the first layer: I_i = sum_out mean_x |phi_{out,i}(x)|, the mean
// over the given raw samples [n, F] (standardised with the model's input_mean/std), or, when
// samples is empty, over a uniform grid of the active spline range [knot_k, knot_{G+k}].
// centered: mean |phi - mean(phi)| instead, since a constant in one edge function can move to
// another edge (or the next layer) without changing the model, so it carries no information.
// Parallel: none; deterministic.
std::vector<double> kan_feature_importance(const ModelState& m, std::span<const float> samples = {},
                                           std::size_t n_features = 0, bool centered = false);

// One feature's histogram-based log-likelihood ratio ln(p_sig(x) / p_bkg(x)) with both
// densities normalised to unit area; bins where either class has fewer than min_count raw
// events are left out. Range: the [0.5 %, 99.5 %] quantiles of the pooled sample.
// Serial; deterministic.
struct LlrCurve {
  std::vector<double> center, llr, err;  // err: Poisson approximation sqrt(1/n_s + 1/n_b)
};
LlrCurve log_likelihood_ratio(std::span<const float> x, std::span<const int> labels,
                              std::span<const float> weights = {}, int bins = 40, double min_count = 10);

}  // namespace kanscan::analysis
