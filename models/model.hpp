#pragma once
// A model is a sequence of layers sharing one flat parameter vector and one flat gradient
// vector. KAN hidden layers have no extra activation (efficient-kan); dense layers carry their
// activation (identity on the last layer).
#include <memory>
#include <vector>

#include "types/trial.hpp"
#include "models/basis_layer.hpp"
#include "models/dense_layer.hpp"
#include "models/kan_layer.hpp"

namespace kanscan::models {

template <typename T>
class Model {
 public:
  // Architecture of cfg with n_in inputs and n_out outputs; parameters not yet initialised.
  static std::unique_ptr<Model> build(const ModelConfig& cfg, int n_in, int n_out);
  // Layers and parameters from exported states (checkpoint); throws InputError on bad shapes.
  static std::unique_ptr<Model> from_layers(const std::vector<LayerState>& layers);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  std::size_t n_params() const { return static_cast<std::size_t>(params_.size()); }
  Vec<T>& params() { return params_; }
  const Vec<T>& params() const { return params_; }
  Vec<T>& grads() { return grads_; }
  Layer<T>& layer(std::size_t l) { return *layers_[l]; }
  int n_in() const { return layers_.front()->n_in(); }
  int n_out() const { return layers_.back()->n_out(); }

  void init(Rng& rng);
  // Output of the last layer; x must stay alive until backward.
  const Mat<T>& forward(const Mat<T>& x, bool training, int threads, Rng* rng = nullptr);
  // Gradient of the loss w.r.t. all parameters (into grads()) given dL/doutput of the last forward;
  // dL/dinput into *dx when not null.
  void backward(const Mat<T>& dout, int threads, Mat<T>* dx = nullptr);

  std::vector<LayerState> export_layers() const;
  bool has_kan() const;
  // Grid update of every KAN layer from the inputs x [N, n_in], layer by layer (each layer sees
  // the activations of the already updated layers before it). Returns the largest refit RMS.
  double update_grids(const Mat<T>& x, double grid_eps, int threads);
  // Refines every KAN layer to new_grid intervals; the parameter vector is rebuilt.
  void extend_grids(int new_grid);

 private:
  Model() = default;
  void allocate();
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  Vec<T> params_, grads_;
  const Mat<T>* input_ = nullptr;
  std::vector<Mat<T>> acts_;  // output of each layer
  Mat<T> d_[2];               // ping-pong buffers for backward
};

}  // namespace kanscan::models
