#include "models/parameter_count.hpp"

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

std::int64_t count_parameters(const ModelConfig& cfg, int n_in, int n_out) {
  const auto w = layer_widths(cfg, n_in, n_out);
  const std::int64_t G = final_grid_size(cfg);
  std::int64_t n = 0;
  for (std::size_t l = 0; l + 1 < w.size(); ++l) {
    const std::int64_t a = w[l], b = w[l + 1];
    n += cfg.type == ModelType::kan ? a * b * (G + cfg.spline_order + 2) : a * b + b;
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
