#include "models/parameter_count.hpp"

#include "models/basis_layer.hpp"

namespace kanscan::models {

std::vector<int> layer_widths(const ModelConfig& cfg, int n_in, int n_out) {
  std::vector<int> w{n_in};
  for (int d = 0; d < cfg.depth; ++d) w.push_back(cfg.width);
  w.push_back(n_out);
  return w;
}

int final_grid_size(const ModelConfig& cfg) {
  return cfg.grid_extend_to > 0 ? cfg.grid_extend_to : cfg.grid_size;
}

KanBasisState kan_basis_state(const ModelConfig& cfg) {
  KanBasisState s;
  s.basis = cfg.basis;
  s.base_branch = cfg.base_branch == BaseBranch::auto_ ? reference_base_branch(cfg.basis) : cfg.base_branch == BaseBranch::silu;
  s.num_grids = cfg.rbf_centers;
  s.grid_min = cfg.grid_lo;
  s.grid_max = cfg.grid_hi;
  s.denominator = cfg.rbf_width;
  s.layernorm = cfg.basis == Basis::rbf && cfg.rbf_layernorm;
  s.degree = cfg.cheby_degree;
  s.squash = cfg.cheby_squash;
  s.gridsize = cfg.fourier_frequencies;
  s.numerator_degree = cfg.rational_numerator;
  s.denominator_degree = cfg.rational_denominator;
  s.num_groups = cfg.rational_groups;
  return s;
}

std::int64_t count_parameters(const ModelConfig& cfg, int n_in, int n_out) {
  const auto w = layer_widths(cfg, n_in, n_out);
  const std::int64_t G = final_grid_size(cfg);
  const bool spline = cfg.type == ModelType::kan && cfg.basis == Basis::bspline;
  const KanBasisState bs = kan_basis_state(cfg);
  std::int64_t n = 0;
  for (std::size_t l = 0; l + 1 < w.size(); ++l) {
    const std::int64_t a = w[l], b = w[l + 1];
    if (cfg.type == ModelType::mlp) n += a * b + b;
    else if (spline) n += a * b * (G + cfg.spline_order + 2);
    else n += static_cast<std::int64_t>(basis_layer_params(bs, w[l], w[l + 1]));
  }
  return n;
}

std::int64_t count_forward_flops(const ModelConfig& cfg, int n_in, int n_out) {
  const auto w = layer_widths(cfg, n_in, n_out);
  const std::int64_t k = cfg.spline_order;
  std::int64_t act = 0;
  switch (cfg.activation) {
    case Activation::relu:
    case Activation::leaky_relu: act = 1; break;
    case Activation::silu:
    case Activation::tanh:
    case Activation::sigmoid: act = 4; break;
    case Activation::identity: act = 0; break;
  }
  std::int64_t n = 0;
  for (std::size_t l = 0; l + 1 < w.size(); ++l) {
    const std::int64_t a = w[l], b = w[l + 1];
    if (cfg.type == ModelType::kan) {
      n += a * (4 + 7 * k * (k + 3) / 2) + a * b * (2 * (k + 1) + 2);
    } else {
      n += 2 * a * b + b;
      if (l + 2 < w.size()) n += b * act;  // hidden layers only; the output transform is shared by all models
    }
  }
  return n;
}

}  // namespace kanscan::models
