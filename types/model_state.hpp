#pragma once
// A trained model as plain named tensors and typed settings: what models/ exports and imports,
// and what io/ writes under /trial/<id>/model/ (io/model_file.cpp; layout: docs/scan-format.md
// "Results file"; the tensors of each layer kind: docs/models.md "Checkpoint layout").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "types/vocabulary.hpp"

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

// The settings of a kind = kan layer beyond its tensors, per basis (docs/models.md "Checkpoint
// layout"; each basis names its tensors as its reference implementation's state dict).
struct KanBasisState {
  Basis basis = Basis::bspline;
  bool base_branch = true;  // the SiLU branch (always there for bspline)
  // rbf (FastKAN): centres linspace(grid_min, grid_max, num_grids), width denominator
  int num_grids = 0;
  double grid_min = 0, grid_max = 0, denominator = 0;
  bool layernorm = false;
  // chebyshev (ChebyKAN): polynomials T_0 .. T_degree of squash(x)
  int degree = 0;
  Squash squash = Squash::tanh;
  // fourier (FourierKAN): frequencies 1 .. gridsize
  int gridsize = 0;
  // rational (KAT): numerator degree, denominator degree, groups
  int numerator_degree = 0, denominator_degree = 0, num_groups = 0;
};

struct LayerState {
  // kan, bspline: tensors grid [in, G+2k+1], base_weight [out, in], spline_weight [out, in, G+k],
  //      spline_scaler [out, in]; other bases: docs/models.md "Checkpoint layout".
  // linear: tensors weight [out, in], bias [out]; `activation` applied after.
  LayerKind kind = LayerKind::linear;
  std::map<std::string, Tensor> tensors;
  int grid_size = 0;     // kan, bspline
  int spline_order = 0;  // kan, bspline
  KanBasisState kan;     // kan
  Activation activation = Activation::identity;  // linear
  double leaky_slope = 0.01;                     // linear with leaky_relu
};

struct ModelState {
  Task task = Task::classification;
  OutputKind output = OutputKind::sigmoid;  // how the last layer's outputs become predictions
  std::vector<double> input_mean, input_std;    // [F]
  std::vector<double> target_mean, target_std;  // [T], regression only
  std::vector<LayerState> layers;               // layer_0, layer_1, ...
};

}  // namespace kanscan
