#pragma once
// Reading a trained KAN: the learned univariate functions of a layer, their L1 norms
// (feature importance, Liu et al. arXiv:2404.19756; Erdmann et al. arXiv:2408.02743) and the
// empirical log-likelihood ratio each single-layer spline is compared with.
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "types/model_state.hpp"

namespace kanscan::analysis {

// The n_knots - 1 - order B-spline basis functions of the given order at x (Cox-de Boor, with
// half-open knot intervals as in efficient-kan: every basis is 0 outside [knots.front(),
// knots.back()) ).
std::vector<double> bspline_basis(std::span<const double> knots, int order, double x);

// phi_{out,in}(x), x in the layer's own (standardised) input units, for every basis (the formulas
// of docs/models.md "KAN bases", the same as python/kanscan's kan_edge and the PyTorch modules of
// examples/python): bspline base_weight SiLU(x) + spline_scaler sum_m spline_weight B_m(x); the
// other bases sum_m c_m f_m(x) over their functions (kan_basis_functions) plus, with a SiLU branch,
// its weight times SiLU(x). A layer's bias is no edge's: sum_in phi_{out,in}(x_in) + bias_out is
// the layer's output (tested against kanscan's forward). This per-edge evaluation is what
// attribution, pruning and symbolic fitting of edges can build on for any basis.
// Throws InputError when the layer is not a well-formed kind = kan layer, and for an RBF layer
// with LayerNorm, whose inputs are normalised together (its edges are not univariate).
double kan_edge(const LayerState& layer, std::size_t out, std::size_t in, double x);

struct KanShape {
  std::size_t in = 0, out = 0;
  int grid_size = 0, spline_order = 0;  // bspline only
  Basis basis = Basis::bspline;
};
KanShape kan_shape(const LayerState& layer);  // validates the tensors' shapes

// The functions of input `in` of a non-B-spline layer at x, in the order of its coefficient
// tensor: rbf exp(-((x - c_m)/h)^2); chebyshev T_n(tanh x) or T_n(clamp x), n = 0 .. d; fourier
// cos(kx) then sin(kx), k = 1 .. F; rational P(x) / (1 + sum |b_gk| |x|^k) of the input's group g.
std::vector<double> kan_basis_functions(const LayerState& layer, std::size_t in, double x);
// The input range where input `in`'s functions do their work, for plots and for the importance
// without events: bspline the knots [t_k, t_{G+k}]; rbf the centres [grid_min, grid_max];
// chebyshev [-2, 2] (tanh) or [-1, 1] (clamp); fourier one period of the lowest frequency
// [-pi, pi]; rational KAT's fit range [-3, 3].
std::pair<double, double> kan_active_range(const LayerState& layer, std::size_t in);

// True for a model whose first layer is a KAN layer.
bool is_kan(const ModelState& m);

// Feature importance of the first layer: I_i = sum_out mean_x |phi_{out,i}(x)|, the mean
// over the given raw samples [n, F] (standardised with the model's input_mean/std), or, when
// samples is empty, over a uniform grid of kan_active_range (the spline range [knot_k, knot_{G+k}]
// for B-splines).
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
