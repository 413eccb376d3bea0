#pragma once
// A trained model as plain named tensors: what models/ exports and imports, and what io/
// writes under /trial/<id>/model/ (layout: docs/scan-format.md "Results file"; the tensors of each
// layer kind: docs/models.md "Checkpoint layout").
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace kanscan {

struct Tensor {
  std::vector<std::size_t> shape;  // row-major
  std::vector<double> data;
  std::size_t numel() const {
    std::size_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
};

using Attribute = std::variant<std::int64_t, double, std::string>;

struct LayerState {
  // "kan": tensors grid [in, G+2k+1], base_weight [out, in], spline_weight [out, in, G+k],
  //        spline_scaler [out, in]; attrs grid_size, spline_order (int64).
  // "linear": tensors weight [out, in], bias [out]; attr activation (string) applied after,
  //        plus leaky_slope (double) for leaky_relu.
  std::string kind;
  std::map<std::string, Tensor> tensors;
  std::map<std::string, Attribute> attrs;
};

struct ModelState {
  std::string task;        // "classification" | "regression"
  std::string output;      // "sigmoid" | "softmax" | "identity": how logits become predictions
  std::vector<double> input_mean, input_std;    // [F]
  std::vector<double> target_mean, target_std;  // [T], regression only
  std::vector<LayerState> layers;               // layer_0, layer_1, ...
};

}  // namespace kanscan
